"""The real `git` command, run for the calendar: a working folder of CALENDAR_REPO, and commits of
a local events.yaml that sits in a git work tree.

Every git runs with no terminal prompt, ssh in batch mode, a fixed identity, no hooks or commit
signing from the user's config, the C locale (its messages are read), and a timeout. The
repository URL is never written to disk (fetch and push name it on the command line, so a token
in it stays out of .git/config) and its user-info is redacted from every error message.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)

BOT_NAME, BOT_EMAIL = "meetup-bot", "meetup-bot@users.noreply.invalid"
TIMEOUT = 120.0  # seconds for one git command; a network fetch or push gets this long
_CONFIG = (
    *("-c", "core.hooksPath=/dev/null"),  # the user's hooks (a linter, a signer) are not ours to run
    *("-c", "commit.gpgsign=false"),
    *("-c", "core.autocrlf=false"),
    *("-c", "core.fsmonitor=false"),
    *("-c", "credential.helper="),  # credentials come with CALENDAR_REPO, never from a keychain prompt
    *("-c", "advice.detachedHead=false"),
)
# A URL's user-info: `https://user:token@host`, `https://token@host`; `ssh://git@host` keeps its
# plain user name (no secret), a password after it goes.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/\s@]+)@")
# A push refused because the branch moved: seen before sending ("[rejected]"), or by the remote's
# own compare-and-swap of the ref when two pushes meet there ("failed to update ref").
_MOVED_ON = ("[rejected]", "fetch first", "non-fast-forward", "stale info", "failed to update ref", "cannot lock ref")


class GitError(Exception):
    """A git command failed; the message is one line, with credentials redacted (as is
    `output`, everything git printed)."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def redact_url(text: str) -> str:
    """`text` with the user-info of every URL in it replaced (a token, a password)."""

    def hide(match: re.Match[str]) -> str:
        scheme, info = match.group(1), match.group(2)
        if scheme.lower().startswith("http") or ":" in info:
            user = info.partition(":")[0] if not scheme.lower().startswith("http") else ""
            return f"{scheme}{user + ':' if user else ''}[redacted]@"
        return match.group(0)

    return _USERINFO.sub(hide, text)


def _environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in ("GIT_SSH", "GIT_SSH_COMMAND")}
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME=BOT_NAME,
        GIT_AUTHOR_EMAIL=BOT_EMAIL,
        GIT_COMMITTER_NAME=BOT_NAME,
        GIT_COMMITTER_EMAIL=BOT_EMAIL,
        LC_ALL="C",
        LANGUAGE="C",
    )
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")  # a deploy key, never a password prompt
    env.update(extra or {})
    return env


_GENERIC = "fatal: Could not read from remote repository."


def run_git(
    args: Sequence[str],
    cwd: Path,
    *,
    timeout: float = TIMEOUT,
    input: str | None = None,
    env: dict[str, str] | None = None,
    secrets: Sequence[str] = (),
) -> str:
    """Run `git args` in `cwd` and return its standard output; GitError (redacted) on failure."""
    try:
        proc = subprocess.run(
            ["git", *_CONFIG, *args],
            cwd=cwd,
            input=input.encode() if input is not None else None,
            capture_output=True,  # bytes: universal newlines would turn a CRLF file into LF
            timeout=timeout,
            env=_environment(env),
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (the calendar repository needs the git command)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {timeout:g} seconds and was stopped") from None
    out, err = proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
    if proc.returncode != 0:
        lines = [line.strip() for line in (err or out).splitlines() if line.strip()]
        said = [line for line in lines if line.startswith(("fatal:", "error:"))]
        specific = [line for line in said if line != _GENERIC]  # it follows the line that says why
        why = (specific or said or lines or [f"exit status {proc.returncode}"])[-1]
        raise GitError(_hide(f"git {args[0]} failed: {why}", secrets), _hide(out + err, secrets))
    return out


def _hide(text: str, secrets: Sequence[str]) -> str:
    text = redact_url(text)
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


def url_secrets(url: str) -> tuple[str, ...]:
    """What in a repository URL must never be shown: its password, or for http(s) a user name
    given alone (`https://<token>@host`); a plain ssh user such as `git` is no secret."""
    match = _USERINFO.search(url)
    if not match:
        return ()
    scheme, info = match.group(1).lower(), match.group(2)
    user, _, password = info.partition(":")
    if password:
        return (password,)
    return (user,) if scheme.startswith("http") and user else ()


@dataclass
class CalendarRepo:
    """A working folder of the calendar's repository: fetched, reset to the remote branch,
    committed and pushed. Not thread-safe: the writer calls it under its lock."""

    url: str
    branch: str
    file: str  # the calendar's path inside the repository
    workdir: Path
    timeout: float = TIMEOUT
    # Called just before each push. Tests use it to push from another clone between our fetch
    # and our push, so the remote rejects ours once.
    before_push: Callable[[], None] | None = None

    @property
    def path(self) -> Path:
        return self.workdir / self.file

    @property
    def remote_ref(self) -> str:
        return f"refs/remotes/origin/{self.branch}"

    def git(self, *args: str, input: str | None = None) -> str:
        return run_git(args, self.workdir, timeout=self.timeout, input=input, secrets=url_secrets(self.url))

    def sync(self) -> str:
        """Clone (the first time) or fetch, and reset the working copy to the remote branch."""
        self._ensure_init()
        tip = self.fetch()
        self.reset()
        return tip

    def _ensure_init(self) -> None:
        if (self.workdir / ".git").is_dir():
            return
        if self.workdir.exists() and any(self.workdir.iterdir()):
            raise GitError(f"{self.workdir} is not empty and not a git working folder; give CALENDAR_WORKDIR a new one")
        self.workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        run_git(("init", "-q"), self.workdir, timeout=self.timeout)

    def fetch(self) -> str:
        """Fetch the branch from the URL (never stored) and return the remote's tip."""
        refspec = f"+refs/heads/{self.branch}:{self.remote_ref}"
        try:
            self.git("fetch", "-q", "--no-tags", "--", self.url, refspec)
        except GitError as error:
            if "couldn't find remote ref" in str(error):
                raise GitError(f"the calendar repository has no branch {self.branch!r}") from None
            raise
        return self.rev(self.remote_ref)

    def reset(self) -> None:
        """The working copy and the local branch become the fetched remote branch (a commit of
        ours that did not reach the remote is dropped)."""
        self.checkout(self.remote_ref)

    def check_file(self) -> None:
        """GitError naming CALENDAR_FILE when the fetched branch never had the calendar file (a
        wrong setting; a file deleted by a push is the last good version's business)."""
        if (self.workdir / self.file).is_file() or self.git("rev-list", "-1", self.remote_ref, "--", self.file).strip():
            return
        where = _hide(self.url, url_secrets(self.url))
        raise GitError(f"CALENDAR_FILE names {self.file}, which is not in {where} on branch {self.branch}")

    def last_good(self, valid: Callable[[str], bool], depth: int = 50) -> str | None:
        """The newest of the remote branch's last `depth` commits of the calendar file whose
        content is `valid`, or None."""
        revs = self.git("rev-list", f"--max-count={depth}", self.remote_ref, "--", self.file).split()
        for rev in revs:
            try:
                if valid(self.git("show", f"{rev}:{self.file}")):
                    return rev
            except GitError:  # the file was deleted in that commit
                continue
        return None

    def checkout(self, rev: str) -> None:
        """The working copy at `rev` (the next sync returns to the remote branch)."""
        self.git("checkout", "-q", "-f", "-B", self.branch, rev)

    def rev(self, ref: str) -> str:
        return self.git("rev-parse", "--verify", "-q", f"{ref}^{{commit}}").strip()

    def commit(self, message: str) -> str:
        """Commit the calendar file (nothing else) and return the new commit id."""
        self.git("add", "--", self.file)
        self.git("commit", "-q", "--no-verify", "-F", "-", "--", self.file, input=message)
        return self.rev("HEAD")

    def push(self) -> bool:
        """Push HEAD to the branch. False when the remote refused it because it moved on (never
        forced); GitError on any other failure."""
        if self.before_push is not None:
            self.before_push()
        try:
            self.git("push", "-q", "--porcelain", "--", self.url, f"HEAD:refs/heads/{self.branch}")
        except GitError as error:
            text = error.output
            if any(why in text for why in _MOVED_ON):
                return False
            raise
        # The remote-tracking ref follows what we pushed, so a reset now keeps our commit.
        self.git("update-ref", self.remote_ref, "HEAD")
        return True

    def describe(self, ref: str) -> str:
        """`abc1234 "subject" (author)`, for the organisers."""
        return self.git("log", "-1", '--format=%h "%s" (%an)', ref, "--").strip()


def last_commit_time(folder: Path, file: str, *, timeout: float = TIMEOUT) -> datetime | None:
    """When `file` (relative to `folder`) was last committed, or None outside git or if never."""
    try:
        out = run_git(("log", "-1", "--format=%cI", "--", file), folder, timeout=timeout).strip()
    except GitError:
        return None
    return datetime.fromisoformat(out) if out else None


# ---- a local events.yaml in a git work tree: each bot edit is a local commit, never a push ----


def tracked_in(path: Path) -> tuple[Path, str] | None:
    """(work tree top, path inside it) when `path` is a file tracked in a git work tree."""
    folder = path.parent
    try:
        top = Path(run_git(("rev-parse", "--show-toplevel"), folder, timeout=30).strip())
        inside = path.resolve().relative_to(top.resolve()).as_posix()
        run_git(("ls-files", "--error-unmatch", "--", inside), top, timeout=30)
    except GitError as error:
        if "dubious ownership" in str(error):  # the work tree is another user's: say why there is no commit
            log.warning("%s: not committed: git refuses a work tree owned by another user (%s)", path.name, error)
        return None
    except ValueError:
        return None
    return top, inside


def commit_local(top: Path, inside: str, text: str, message: str) -> str:
    """Commit `text` as the new content of `inside`, and nothing else: the commit is HEAD's tree
    with that one file changed, built in a temporary index, so whatever the user staged or
    changed elsewhere stays as it was. HEAD moves only if it is still the commit read (a
    compare-and-swap on the ref). The user's index entry of the file follows the commit when it
    was HEAD's, so `git status` does not show the edit as a staged reversal."""

    def git(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> str:
        return run_git(args, top, timeout=30, input=input, env=env)

    head = git("rev-parse", "--verify", "HEAD^{commit}").strip()
    listing = git("ls-tree", "HEAD", "--", inside).split()
    mode, old_blob = (listing[0], listing[2]) if listing else ("100644", "")
    blob = git("hash-object", "-w", "--stdin", "--path", inside, input=text).strip()
    with tempfile.TemporaryDirectory(prefix="meetup-bot-index-") as scratch:
        index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        git("read-tree", "HEAD", env=index)
        git("update-index", "--add", "--cacheinfo", f"{mode},{blob},{inside}", env=index)
        tree = git("write-tree", env=index).strip()
    commit = git("commit-tree", tree, "-p", head, "-F", "-", input=message).strip()
    git("update-ref", "-m", "meetup-bot: " + message.splitlines()[0], "HEAD", commit, head)
    staged = git("ls-files", "--stage", "--", inside).split()
    if staged and staged[1] == old_blob:
        git("update-index", "--cacheinfo", f"{mode},{blob},{inside}")
    return commit


def head_text(top: Path, inside: str) -> str | None:
    """The file's content at HEAD, or None."""
    try:
        return run_git(("show", f"HEAD:{inside}"), top, timeout=30)
    except GitError:
        return None
