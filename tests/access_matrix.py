"""The role matrix every view, endpoint and command is tested over (STYLE.md, SECURITY.md A5).

`build_matrix()` makes one firm with a principal of each kind and a matter M that some may see;
`EXPECTED_VIEW` says who may see M. Tests iterate `matrix.principals` and compare each interface's
outcome with `lawledger.core.access.decide` for the same facts, so no interface can disagree with
the policy unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass

from lawledger.access.policy import matter_facts
from lawledger.core.access import Action, Principal, Role, decide
from lawledger.firm.models import Matter
from tests import factories

PASSWORD = "correct horse battery staple"


@dataclass
class Matrix:
    matter: str
    other_matter: str
    client: str
    other_client: str
    principals: dict[str, Principal | None]

    def may(self, who: str, action: Action = Action.VIEW, matter: str | None = None) -> bool:
        principal = self.principals[who]
        if principal is None:
            return False
        facts = matter_facts(Matter.objects.get(number=matter or self.matter))
        return decide(principal, action, facts)


ROLES_OF = {
    "admin": Role.ADMIN, "bookkeeper": Role.BOOKKEEPER, "auditor": Role.AUDITOR,
    "attorney_assigned": Role.ATTORNEY, "attorney_unassigned": Role.ATTORNEY,
    "attorney_walled": Role.ATTORNEY, "admin_walled": Role.ADMIN,
    "paralegal_assigned": Role.PARALEGAL, "paralegal_unassigned": Role.PARALEGAL,
}

# Who may see matter M, written out by hand so the policy is checked against intent, not itself.
EXPECTED_VIEW = {
    "anonymous": False, "portal_own": True, "portal_other": False, "admin": True,
    "bookkeeper": True, "auditor": True, "attorney_assigned": True, "attorney_unassigned": False,
    "attorney_walled": False, "admin_walled": False, "paralegal_assigned": True,
    "paralegal_unassigned": False,
}


def build_matrix() -> Matrix:
    from lawledger.access.services import wall_raise

    factories.firm()
    client = factories.client("Client A")
    other_client = factories.client("Client B")
    people: dict[str, Principal | None] = {"anonymous": None}
    for name, role in ROLES_OF.items():
        people[name] = factories.user(role, email=f"{name}@firm.example")
    people["portal_own"] = factories.user(Role.CLIENT, email="portal_own@client.example",
                                          client=client)
    people["portal_other"] = factories.user(Role.CLIENT, email="portal_other@client.example",
                                            client=other_client)
    matter = factories.matter(client, "Matter M", responsible=people["attorney_assigned"],
                              team=(people["paralegal_assigned"], people["attorney_walled"]))
    other_matter = factories.matter(other_client, "Matter N",
                                    responsible=people["attorney_unassigned"])
    for walled in ("attorney_walled", "admin_walled"):
        principal = people[walled]
        assert principal is not None
        wall_raise(actor=factories.OPERATOR, matter=matter, email=principal.label,
                   reason="conflict of interest")
    return Matrix(matter, other_matter, client, other_client, people)
