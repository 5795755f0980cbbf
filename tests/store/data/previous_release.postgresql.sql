CREATE TABLE PREFIX_announced_events (
    event_id character varying(200) NOT NULL,
    start timestamp with time zone NOT NULL,
    venue character varying(200),
    cancelled boolean NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE PREFIX_broadcasts (
    key character varying(300) NOT NULL,
    kind character varying(32) NOT NULL,
    text text NOT NULL,
    author character varying(200) NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE TABLE PREFIX_deliveries (
    announcement character varying(300) NOT NULL,
    chat_key character varying(200) NOT NULL,
    state character varying(16) NOT NULL,
    owner character varying(100) NOT NULL,
    attempts integer NOT NULL,
    claimed_at timestamp with time zone NOT NULL,
    sent_at timestamp with time zone,
    detail character varying(500),
    message_ids character varying(300)
);
CREATE TABLE PREFIX_known_events (
    event_id character varying(200) NOT NULL,
    first_seen timestamp with time zone NOT NULL,
    baseline boolean NOT NULL
);
CREATE TABLE PREFIX_private_contacts (
    user_key character varying(200) NOT NULL,
    platform character varying(32) NOT NULL,
    chat_id character varying(160) NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE PREFIX_proposal_conversations (
    user_key character varying(200) NOT NULL,
    kind character varying(16) NOT NULL,
    answers text NOT NULL,
    confirming boolean NOT NULL,
    chat_key character varying(200) NOT NULL,
    started_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE PREFIX_proposals (
    number integer NOT NULL,
    kind character varying(16) NOT NULL,
    status character varying(16) NOT NULL,
    title character varying(400) NOT NULL,
    from_key character varying(200) NOT NULL,
    from_name character varying(300),
    abstract text,
    speaker character varying(500),
    language character varying(32),
    address character varying(500),
    capacity integer,
    notes text,
    created_at timestamp with time zone NOT NULL,
    decided_by character varying(200),
    decided_at timestamp with time zone,
    reason text,
    event_id character varying(200)
);
CREATE SEQUENCE PREFIX_proposals_number_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE PREFIX_proposals_number_seq OWNED BY PREFIX_proposals.number;
CREATE TABLE PREFIX_rsvp_meetups (
    event_id character varying(200) NOT NULL,
    version integer NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE TABLE PREFIX_rsvps (
    event_id character varying(200) NOT NULL,
    user_key character varying(200) NOT NULL,
    platform character varying(32) NOT NULL,
    user_id character varying(160) NOT NULL,
    name character varying(300),
    username character varying(200),
    state character varying(16) NOT NULL,
    seq integer NOT NULL,
    answered_at timestamp with time zone NOT NULL
);
CREATE TABLE PREFIX_seen_deliveries (
    delivery_id character varying(200) NOT NULL,
    seen_at timestamp with time zone NOT NULL
);
CREATE TABLE PREFIX_subscriptions (
    chat_key character varying(200) NOT NULL,
    platform character varying(32) NOT NULL,
    chat_id character varying(160) NOT NULL,
    thread_id character varying(64),
    title character varying(300),
    subscribed boolean,
    active boolean NOT NULL,
    reason character varying(300),
    updated_by character varying(200),
    updated_at timestamp with time zone NOT NULL
);
ALTER TABLE ONLY PREFIX_proposals ALTER COLUMN number SET DEFAULT nextval('PREFIX_proposals_number_seq'::regclass);
INSERT INTO PREFIX_announced_events VALUES ('2026-12-01', '2026-12-01 16:00:00+00', 'Hall A', false, '2026-11-03 17:30:05.25+00');
INSERT INTO PREFIX_announced_events VALUES ('2026-10-01', '2026-10-01 16:00:00+00', NULL, true, '2026-11-03 17:30:05.25+00');
INSERT INTO PREFIX_broadcasts VALUES ('broadcast:5f1c', 'cfp', 'Call for speakers!
Ünïcödé and ''quotes''', 'slack:U1', '2026-11-03 17:30:05.25+00');
INSERT INTO PREFIX_deliveries VALUES ('reminder:2026-12-01:week', 'telegram:-1001', 'sent', 'host:1', 1, '2026-11-03 17:30:05.25+00', '2026-11-03 17:30:05.25+00', NULL, '101,102');
INSERT INTO PREFIX_deliveries VALUES ('reminder:2026-12-01:week', 'slack:C9', 'uncertain', 'host:2', 3, '2026-11-03 17:30:05.25+00', NULL, 'timed out: ‘maybe’ posted', NULL);
INSERT INTO PREFIX_known_events VALUES ('2026-12-01', '2026-11-03 17:30:05.25+00', true);
INSERT INTO PREFIX_known_events VALUES ('2027-01-05', '2026-11-03 17:30:05.25+00', false);
INSERT INTO PREFIX_private_contacts VALUES ('telegram:7', 'telegram', '7', '2026-11-03 17:30:05.25+00');
INSERT INTO PREFIX_proposal_conversations VALUES ('telegram:8', 'talk', '["A title", "An abstract"]', false, 'telegram:8', '2026-11-03 17:30:05.25+00', '2026-11-03 17:30:05.25+00');
INSERT INTO PREFIX_proposals VALUES (1, 'talk', 'accepted', 'eBPF in anger', 'telegram:7', 'Dana', 'Long
abstract', 'Dana, Kernel Co', 'Hebrew', NULL, NULL, NULL, '2026-11-03 17:30:05.25+00', 'slack:U1', '2026-11-03 17:30:05.25+00', NULL, '2026-12-01');
INSERT INTO PREFIX_proposals VALUES (2, 'venue', 'new', 'Our office', 'slack:U1', NULL, NULL, NULL, NULL, '1 Rothschild Blvd', 80, 'parking', '2026-11-03 17:30:05.25+00', NULL, NULL, NULL, NULL);
INSERT INTO PREFIX_rsvp_meetups VALUES ('2026-12-01', 3, '2026-11-03 17:30:05.25+00');
INSERT INTO PREFIX_rsvps VALUES ('2026-12-01', 'telegram:7', 'telegram', '7', 'Dana', 'dana', 'going', 1, '2026-11-03 17:30:05.25+00');
INSERT INTO PREFIX_rsvps VALUES ('2026-12-01', 'slack:U1', 'slack', 'U1', NULL, NULL, 'waitlist', 2, '2026-11-03 17:30:05.25+00');
INSERT INTO PREFIX_seen_deliveries VALUES ('Ev01ABC', '2026-11-03 17:30:05.25+00');
INSERT INTO PREFIX_subscriptions VALUES ('telegram:-1001', 'telegram', '-1001', '42', 'Kernel TLV', true, true, NULL, 'telegram:7', '2026-11-03 17:30:05.25+00');
INSERT INTO PREFIX_subscriptions VALUES ('slack:C9', 'slack', 'C9', NULL, NULL, false, false, 'unsubscribed', NULL, '2026-11-03 17:30:05.25+00');
SELECT pg_catalog.setval('PREFIX_proposals_number_seq', 2, true);
ALTER TABLE ONLY PREFIX_announced_events
    ADD CONSTRAINT PREFIX_announced_events_pkey PRIMARY KEY (event_id);
ALTER TABLE ONLY PREFIX_broadcasts
    ADD CONSTRAINT PREFIX_broadcasts_pkey PRIMARY KEY (key);
ALTER TABLE ONLY PREFIX_deliveries
    ADD CONSTRAINT PREFIX_deliveries_pkey PRIMARY KEY (announcement, chat_key);
ALTER TABLE ONLY PREFIX_known_events
    ADD CONSTRAINT PREFIX_known_events_pkey PRIMARY KEY (event_id);
ALTER TABLE ONLY PREFIX_private_contacts
    ADD CONSTRAINT PREFIX_private_contacts_pkey PRIMARY KEY (user_key);
ALTER TABLE ONLY PREFIX_proposal_conversations
    ADD CONSTRAINT PREFIX_proposal_conversations_pkey PRIMARY KEY (user_key);
ALTER TABLE ONLY PREFIX_proposals
    ADD CONSTRAINT PREFIX_proposals_pkey PRIMARY KEY (number);
ALTER TABLE ONLY PREFIX_rsvp_meetups
    ADD CONSTRAINT PREFIX_rsvp_meetups_pkey PRIMARY KEY (event_id);
ALTER TABLE ONLY PREFIX_rsvps
    ADD CONSTRAINT PREFIX_rsvps_pkey PRIMARY KEY (event_id, user_key);
ALTER TABLE ONLY PREFIX_seen_deliveries
    ADD CONSTRAINT PREFIX_seen_deliveries_pkey PRIMARY KEY (delivery_id);
ALTER TABLE ONLY PREFIX_subscriptions
    ADD CONSTRAINT PREFIX_subscriptions_pkey PRIMARY KEY (chat_key);
CREATE INDEX ix_PREFIX_broadcasts_created_at ON PREFIX_broadcasts USING btree (created_at);
CREATE INDEX ix_PREFIX_proposals_from_key ON PREFIX_proposals USING btree (from_key);
CREATE INDEX ix_PREFIX_proposals_status ON PREFIX_proposals USING btree (status);
CREATE INDEX ix_PREFIX_seen_deliveries_seen_at ON PREFIX_seen_deliveries USING btree (seen_at);
CREATE INDEX PREFIX_rsvps_by_state ON PREFIX_rsvps USING btree (event_id, state, seq);
CREATE INDEX PREFIX_rsvps_by_user ON PREFIX_rsvps USING btree (user_key);
