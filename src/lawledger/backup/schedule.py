"""Scheduled backups: a systemd service + timer, or a crontab line, that run the real commands.

The job runs `backup create DIR` and, only when that succeeded, `backup prune DIR` with the
retention counts. Secrets (DATABASE_URL with a password) are never written into these files:
systemd reads them from an EnvironmentFile, cron from the user's own environment file.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from lawledger.backup.retention import Keep
from lawledger.core.errors import InvalidInput

SERVICE_NAME = "lawledger-backup.service"
TIMER_NAME = "lawledger-backup.timer"
CRON_NAME = "lawledger-backup.cron"
TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_time(text: str) -> tuple[int, int]:
    match = TIME.match(text.strip())
    if match is None:
        raise InvalidInput("at: write the time of day as HH:MM (24 h), e.g. 02:30", param="at")
    return int(match.group(1)), int(match.group(2))


def commands(program: list[str], directory: Path, keep: Keep) -> tuple[list[str], list[str]]:
    create = [*program, "backup", "create", str(directory), "--json"]
    prune = [*program, "backup", "prune", str(directory), "--keep-daily", str(keep.daily),
             "--keep-weekly", str(keep.weekly), "--keep-monthly", str(keep.monthly), "--json"]
    return create, prune


def systemd_units(program: list[str], directory: Path, keep: Keep, *, at: str, home: Path,
                  env_file: Path | None) -> dict[str, str]:
    hour, minute = parse_time(at)
    create, prune = commands(program, directory, keep)
    environment = f"EnvironmentFile={env_file}\n" if env_file else (
        "# DATABASE_URL (PostgreSQL) goes in an EnvironmentFile=, never in this file.\n")
    service = (
        "[Unit]\n"
        "Description=lawledger encrypted backup (create, then prune old generations)\n"
        "After=network-online.target postgresql.service\n"
        "Wants=network-online.target\n\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"Environment={shlex.quote(f'LAWLEDGER_HOME={home}')}\n"
        f"{environment}"
        "UMask=0077\n"
        "Nice=10\n"
        "IOSchedulingClass=idle\n"
        f"ExecStart={shlex.join(create)}\n"
        f"ExecStartPost={shlex.join(prune)}\n")
    timer = (
        "[Unit]\n"
        "Description=Run the lawledger backup every day\n\n"
        "[Timer]\n"
        f"OnCalendar=*-*-* {hour:02d}:{minute:02d}:00\n"
        "Persistent=true\n"
        "RandomizedDelaySec=5min\n\n"
        "[Install]\n"
        "WantedBy=timers.target\n")
    return {SERVICE_NAME: service, TIMER_NAME: timer}


def cron_line(program: list[str], directory: Path, keep: Keep, *, at: str, home: Path,
              env_file: Path | None, log: Path) -> dict[str, str]:
    hour, minute = parse_time(at)
    create, prune = commands(program, directory, keep)
    source = f". {shlex.quote(str(env_file))} && " if env_file else ""
    job = (f"{source}LAWLEDGER_HOME={shlex.quote(str(home))} {shlex.join(create)} "
           f">> {shlex.quote(str(log))} 2>&1 && LAWLEDGER_HOME={shlex.quote(str(home))} "
           f"{shlex.join(prune)} >> {shlex.quote(str(log))} 2>&1")
    if "%" in job:
        raise InvalidInput("dir: cron treats % specially: choose paths without %", param="dir")
    text = ("# lawledger backup: every day; install with `crontab -e` (or append to it)\n"
            f"{minute} {hour} * * * {job}\n")
    return {CRON_NAME: text}
