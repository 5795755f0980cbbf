BEGIN TRANSACTION;
CREATE TABLE "PREFIX_announced_events" (
	event_id VARCHAR(200) NOT NULL, 
	start DATETIME NOT NULL, 
	venue VARCHAR(200), 
	cancelled BOOLEAN NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (event_id)
);
INSERT INTO "PREFIX_announced_events" VALUES('2026-12-01','2026-12-01 16:00:00.000000','Hall A',0,'2026-11-03 17:30:05.250000');
INSERT INTO "PREFIX_announced_events" VALUES('2026-10-01','2026-10-01 16:00:00.000000',NULL,1,'2026-11-03 17:30:05.250000');
CREATE TABLE "PREFIX_broadcasts" (
	"key" VARCHAR(300) NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	text TEXT NOT NULL, 
	author VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "PREFIX_broadcasts" VALUES('broadcast:5f1c','cfp','Call for speakers!
Ünïcödé and ''quotes''','slack:U1','2026-11-03 17:30:05.250000');
CREATE TABLE "PREFIX_deliveries" (
	announcement VARCHAR(300) NOT NULL, 
	chat_key VARCHAR(200) NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	owner VARCHAR(100) NOT NULL, 
	attempts INTEGER NOT NULL, 
	claimed_at DATETIME NOT NULL, 
	sent_at DATETIME, 
	detail VARCHAR(500), 
	message_ids VARCHAR(300), 
	PRIMARY KEY (announcement, chat_key)
);
INSERT INTO "PREFIX_deliveries" VALUES('reminder:2026-12-01:week','telegram:-1001','sent','host:1',1,'2026-11-03 17:30:05.250000','2026-11-03 17:30:05.250000',NULL,'101,102');
INSERT INTO "PREFIX_deliveries" VALUES('reminder:2026-12-01:week','slack:C9','uncertain','host:2',3,'2026-11-03 17:30:05.250000',NULL,'timed out: ‘maybe’ posted',NULL);
CREATE TABLE "PREFIX_known_events" (
	event_id VARCHAR(200) NOT NULL, 
	first_seen DATETIME NOT NULL, 
	baseline BOOLEAN NOT NULL, 
	PRIMARY KEY (event_id)
);
INSERT INTO "PREFIX_known_events" VALUES('2026-12-01','2026-11-03 17:30:05.250000',1);
INSERT INTO "PREFIX_known_events" VALUES('2027-01-05','2026-11-03 17:30:05.250000',0);
CREATE TABLE "PREFIX_private_contacts" (
	user_key VARCHAR(200) NOT NULL, 
	platform VARCHAR(32) NOT NULL, 
	chat_id VARCHAR(160) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (user_key)
);
INSERT INTO "PREFIX_private_contacts" VALUES('telegram:7','telegram','7','2026-11-03 17:30:05.250000');
CREATE TABLE "PREFIX_proposal_conversations" (
	user_key VARCHAR(200) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	answers TEXT NOT NULL, 
	confirming BOOLEAN NOT NULL, 
	chat_key VARCHAR(200) NOT NULL, 
	started_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (user_key)
);
INSERT INTO "PREFIX_proposal_conversations" VALUES('telegram:8','talk','["A title", "An abstract"]',0,'telegram:8','2026-11-03 17:30:05.250000','2026-11-03 17:30:05.250000');
CREATE TABLE "PREFIX_proposals" (
	number INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	title VARCHAR(400) NOT NULL, 
	from_key VARCHAR(200) NOT NULL, 
	from_name VARCHAR(300), 
	abstract TEXT, 
	speaker VARCHAR(500), 
	language VARCHAR(32), 
	address VARCHAR(500), 
	capacity INTEGER, 
	notes TEXT, 
	created_at DATETIME NOT NULL, 
	decided_by VARCHAR(200), 
	decided_at DATETIME, 
	reason TEXT, 
	event_id VARCHAR(200), 
	PRIMARY KEY (number)
);
INSERT INTO "PREFIX_proposals" VALUES(1,'talk','accepted','eBPF in anger','telegram:7','Dana','Long
abstract','Dana, Kernel Co','Hebrew',NULL,NULL,NULL,'2026-11-03 17:30:05.250000','slack:U1','2026-11-03 17:30:05.250000',NULL,'2026-12-01');
INSERT INTO "PREFIX_proposals" VALUES(2,'venue','new','Our office','slack:U1',NULL,NULL,NULL,NULL,'1 Rothschild Blvd',80,'parking','2026-11-03 17:30:05.250000',NULL,NULL,NULL,NULL);
CREATE TABLE "PREFIX_rsvp_meetups" (
	event_id VARCHAR(200) NOT NULL, 
	version INTEGER NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (event_id)
);
INSERT INTO "PREFIX_rsvp_meetups" VALUES('2026-12-01',3,'2026-11-03 17:30:05.250000');
CREATE TABLE "PREFIX_rsvps" (
	event_id VARCHAR(200) NOT NULL, 
	user_key VARCHAR(200) NOT NULL, 
	platform VARCHAR(32) NOT NULL, 
	user_id VARCHAR(160) NOT NULL, 
	name VARCHAR(300), 
	username VARCHAR(200), 
	state VARCHAR(16) NOT NULL, 
	seq INTEGER NOT NULL, 
	answered_at DATETIME NOT NULL, 
	PRIMARY KEY (event_id, user_key)
);
INSERT INTO "PREFIX_rsvps" VALUES('2026-12-01','telegram:7','telegram','7','Dana','dana','going',1,'2026-11-03 17:30:05.250000');
INSERT INTO "PREFIX_rsvps" VALUES('2026-12-01','slack:U1','slack','U1',NULL,NULL,'waitlist',2,'2026-11-03 17:30:05.250000');
CREATE TABLE "PREFIX_seen_deliveries" (
	delivery_id VARCHAR(200) NOT NULL, 
	seen_at DATETIME NOT NULL, 
	PRIMARY KEY (delivery_id)
);
INSERT INTO "PREFIX_seen_deliveries" VALUES('Ev01ABC','2026-11-03 17:30:05.250000');
CREATE TABLE "PREFIX_subscriptions" (
	chat_key VARCHAR(200) NOT NULL, 
	platform VARCHAR(32) NOT NULL, 
	chat_id VARCHAR(160) NOT NULL, 
	thread_id VARCHAR(64), 
	title VARCHAR(300), 
	subscribed BOOLEAN, 
	active BOOLEAN NOT NULL, 
	reason VARCHAR(300), 
	updated_by VARCHAR(200), 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (chat_key)
);
INSERT INTO "PREFIX_subscriptions" VALUES('telegram:-1001','telegram','-1001','42','Kernel TLV',1,1,NULL,'telegram:7','2026-11-03 17:30:05.250000');
INSERT INTO "PREFIX_subscriptions" VALUES('slack:C9','slack','C9',NULL,NULL,0,0,'unsubscribed',NULL,'2026-11-03 17:30:05.250000');
CREATE INDEX "ix_PREFIX_broadcasts_created_at" ON "PREFIX_broadcasts" (created_at);
CREATE INDEX "PREFIX_rsvps_by_state" ON "PREFIX_rsvps" (event_id, state, seq);
CREATE INDEX "PREFIX_rsvps_by_user" ON "PREFIX_rsvps" (user_key);
CREATE INDEX "ix_PREFIX_seen_deliveries_seen_at" ON "PREFIX_seen_deliveries" (seen_at);
CREATE INDEX "ix_PREFIX_proposals_from_key" ON "PREFIX_proposals" (from_key);
CREATE INDEX "ix_PREFIX_proposals_status" ON "PREFIX_proposals" (status);
COMMIT;
