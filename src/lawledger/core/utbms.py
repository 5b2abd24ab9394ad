"""UTBMS codes as data: the ABA litigation task codes, the activity codes and the expense codes.

The Uniform Task-Based Management System names what a time entry or an expense was for; LEDES
files carry these codes on every line. Codes are data, not logic: a firm's invoices are checked
against these tables, and the tables are what the web pages offer in their pick lists.

Task codes are grouped in phases (L100 … L500). A phase is a heading: time is recorded against one
of its tasks (L110, L120 …), never against the phase itself.
"""

from __future__ import annotations

from lawledger.core.errors import InvalidInput

LITIGATION_PHASES: dict[str, str] = {
    "L100": "Case Assessment, Development and Administration",
    "L200": "Pre-Trial Pleadings and Motions",
    "L300": "Discovery",
    "L400": "Trial Preparation and Trial",
    "L500": "Appeal",
}

LITIGATION_TASKS: dict[str, str] = {
    "L110": "Fact Investigation/Development",
    "L120": "Analysis/Strategy",
    "L130": "Experts/Consultants",
    "L140": "Document/File Management",
    "L150": "Budgeting",
    "L160": "Settlement/Non-Binding ADR",
    "L190": "Other Case Assessment, Development and Administration",
    "L210": "Pleadings",
    "L220": "Preliminary Injunctions/Provisional Remedies",
    "L230": "Court Mandated Conferences",
    "L240": "Dispositive Motions",
    "L250": "Other Written Motions and Submissions",
    "L260": "Class Action Certification and Notice",
    "L310": "Written Discovery",
    "L320": "Document Production",
    "L330": "Depositions",
    "L340": "Expert Discovery",
    "L350": "Discovery Motions",
    "L390": "Other Discovery",
    "L410": "Fact Witnesses",
    "L420": "Expert Witnesses",
    "L430": "Written Motions and Submissions",
    "L440": "Other Trial Preparation and Support",
    "L450": "Trial and Hearing Attendance",
    "L460": "Post-Trial Motions and Submissions",
    "L470": "Enforcement",
    "L510": "Appellate Motions and Submissions",
    "L520": "Appellate Briefs",
    "L530": "Oral Argument",
}

ACTIVITIES: dict[str, str] = {
    "A101": "Plan and prepare for",
    "A102": "Research",
    "A103": "Draft/revise",
    "A104": "Review/analyze",
    "A105": "Communicate (in firm)",
    "A106": "Communicate (with client)",
    "A107": "Communicate (other outside counsel)",
    "A108": "Communicate (other external)",
    "A109": "Appear for/attend",
    "A110": "Manage data/files",
    "A111": "Other",
}

EXPENSES: dict[str, str] = {
    "E101": "Copying",
    "E102": "Outside printing",
    "E103": "Word processing",
    "E104": "Facsimile",
    "E105": "Telephone",
    "E106": "Online research",
    "E107": "Delivery services/messengers",
    "E108": "Postage",
    "E109": "Local travel",
    "E110": "Out-of-town travel",
    "E111": "Meals",
    "E112": "Court fees",
    "E113": "Subpoena fees",
    "E114": "Witness fees",
    "E115": "Deposition transcripts",
    "E116": "Trial transcripts",
    "E117": "Trial exhibits",
    "E118": "Litigation support vendors",
    "E119": "Experts",
    "E120": "Private investigators",
    "E121": "Arbitrators/mediators",
    "E122": "Local counsel",
    "E123": "Other professionals",
    "E124": "Other",
}


def _clean(code: str | None) -> str | None:
    cleaned = (code or "").strip().upper()
    return cleaned or None


def task_code(code: str | None, *, param: str = "task") -> str | None:
    """A litigation task code (L110 …), or None when none was given."""
    cleaned = _clean(code)
    if cleaned is None:
        return None
    if cleaned in LITIGATION_TASKS:
        return cleaned
    if cleaned in LITIGATION_PHASES:
        tasks = [c for c in LITIGATION_TASKS if c[:2] == cleaned[:2]]
        raise InvalidInput(f"{param}: {cleaned} is a phase ({LITIGATION_PHASES[cleaned]}); record "
                           f"time against one of its tasks {tasks[0]}…{tasks[-1]}", param=param)
    raise InvalidInput(f"{param}: {code!r} is not an ABA litigation task code (L110 … L530)",
                       param=param)


def activity_code(code: str | None, *, param: str = "activity") -> str | None:
    cleaned = _clean(code)
    if cleaned is None:
        return None
    if cleaned not in ACTIVITIES:
        raise InvalidInput(f"{param}: {code!r} is not a UTBMS activity code (A101 … A111)",
                           param=param)
    return cleaned


def expense_code(code: str | None, *, param: str = "code") -> str | None:
    cleaned = _clean(code)
    if cleaned is None:
        return None
    if cleaned not in EXPENSES:
        raise InvalidInput(f"{param}: {code!r} is not a UTBMS expense code (E101 … E124)",
                           param=param)
    return cleaned


def describe(code: str | None) -> str:
    """The name of any code in these tables ("" for none or unknown)."""
    if not code:
        return ""
    for table in (LITIGATION_TASKS, LITIGATION_PHASES, ACTIVITIES, EXPENSES):
        if code in table:
            return table[code]
    return ""
