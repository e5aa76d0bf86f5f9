"""The app's logging: a rotating file log in the data dir, with secrets scrubbed from every line.

`SecretRedactor` knows the exact secret values handed to it (tokens, secret keys, session tokens,
registered by the sign-in code as it receives them) and also the shapes of secrets it was never
told about: JWTs, and the values of fields such as `refresh_token=`, `"SecretKey":` or
`X-Amz-Security-Token`. A `RedactingFilter` on each of our handlers applies it to the message,
the traceback and the stack. botocore and urllib3 log request headers and response bodies at
DEBUG, so they are held at INFO however verbose the app's own logging is.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from uploader_gui.app_dirs import app_dirs

LOG_FILE_NAME = "uploader-gui.log"
LOG_MAX_BYTES = 5 * 1024 * 1024
LOG_BACKUP_COUNT = 5
REDACTED = "[redacted]"
# Shorter values are too likely to be ordinary words or numbers to scrub everywhere.
MIN_SECRET_LENGTH = 6
CHATTY_LIBRARIES = ("botocore", "boto3", "urllib3", "s3transfer")

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_HIDDEN_FIELDS = (
    "refresh_token|access_token|id_token|code_verifier|client_secret|password|"
    "SecretKey|SecretAccessKey|SessionToken|IdToken|AccessToken|RefreshToken|"
    "aws_secret_access_key|aws_session_token|X-Amz-Security-Token"
)
_FIELD_VALUE = re.compile(
    rf"""(?ix)
    (["']?(?:{_HIDDEN_FIELDS})["']?\s*[:=]\s*b?["']?)   # name, separator, opening quote
    ([^"'&\s,;}}]+)                                      # the value
    """
)
_QUERY_CODE = re.compile(r"(?<![\w-])(code=)([^&\s\"']+)")
_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


class SecretRedactor:
    """Thread-safe set of secret values to scrub, plus the patterns above."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()

    def __repr__(self) -> str:
        return f"SecretRedactor({len(self._secrets)} secrets)"

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            with self._lock:
                self._secrets.add(secret)

    def redact(self, text: str) -> str:
        with self._lock:
            # Longest first, so a secret that contains another is removed whole.
            known = sorted(self._secrets, key=len, reverse=True)
        for secret in known:
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _JWT.sub(REDACTED, text)
        text = _FIELD_VALUE.sub(rf"\g<1>{REDACTED}", text)
        return _QUERY_CODE.sub(rf"\g<1>{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record so no secret reaches the handler it is attached to."""

    def __init__(self, redactor: SecretRedactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True


class LogFileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log file, quiet when it cannot be written (a full or read-only disk): one
    line on stderr when writing starts failing, none per record, and logging to the file picks
    up again by itself once a write succeeds. A full disk must not bury the one message that
    matters (the state store's, saying how much room to make) under a traceback per log line."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUP_COUNT, encoding="utf-8", delay=True
        )
        self.is_failing = False
        self._failed_this_record = False
        with contextlib.suppress(OSError):  # an unwritable place is said on the first record
            self.stream = self._open()

    def emit(self, record: logging.LogRecord) -> None:
        self._failed_this_record = False
        super().emit(record)
        if not self._failed_this_record:
            self.is_failing = False

    def handleError(self, record: logging.LogRecord) -> None:
        self._failed_this_record = True
        if self.is_failing:
            return
        self.is_failing = True
        error = sys.exc_info()[1]
        reason = getattr(error, "strerror", None) or str(error)
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(
                f"uploader-gui: cannot write the log file {self.baseFilename} ({reason}); "
                "log lines are dropped until it can be written again\n"
            )
        if self.stream is not None:  # reopened on the next record, when there may be room
            with contextlib.suppress(OSError, ValueError):
                self.stream.close()
            self.stream = None


@dataclass
class LoggingSetup:
    """What `setup_logging` installed; `close()` takes it out again (tests, a second run)."""

    redactor: SecretRedactor
    log_path: Path
    handlers: tuple[logging.Handler, ...]
    previous_levels: dict[str, int]  # logger name ("" = root) → level before setup

    def close(self) -> None:
        root = logging.getLogger()
        for handler in self.handlers:
            root.removeHandler(handler)
            handler.close()
        for name, level in self.previous_levels.items():
            logging.getLogger(name or None).setLevel(level)


def setup_logging(
    log_dir: Path | None = None,
    *,
    level: int = logging.INFO,
    console_level: int | None = None,
    redactor: SecretRedactor | None = None,
) -> LoggingSetup:
    """Install the rotating file log (and optionally stderr) on the root logger.

    The log goes to `{data dir}/logs/uploader-gui.log`, 5 MiB × 5 files.
    """
    redactor = redactor or SecretRedactor()
    log_dir = log_dir or app_dirs().data_dir / "logs"
    with contextlib.suppress(OSError):  # unusable: the handler says so once, on first write
        log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / LOG_FILE_NAME
    file_handler = LogFileHandler(log_path)
    file_handler.setLevel(level)
    handlers: list[logging.Handler] = [file_handler]
    if console_level is not None:
        console = logging.StreamHandler()
        console.setLevel(console_level)
        handlers.append(console)
    root = logging.getLogger()
    previous_level = root.level
    previous_levels = {"": previous_level}
    for handler in handlers:
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.addFilter(RedactingFilter(redactor))
        root.addHandler(handler)
    # Only ever lower the root level: a caller (or a test) may already want more.
    wanted = min(level, console_level if console_level is not None else level)
    root.setLevel(min(previous_level or logging.WARNING, wanted))
    for name in CHATTY_LIBRARIES:
        library = logging.getLogger(name)
        previous_levels[name] = library.level
        if library.level < logging.INFO:  # NOTSET (0) included
            library.setLevel(logging.INFO)
    return LoggingSetup(redactor, log_path, tuple(handlers), previous_levels)
