"""Who may call which API operation: the one place the API's role rules are written.

They are the pages' rules (``spstories.web.*``): a token acts as its user, so it can do
through the API only what that user's role does on the equivalent page. Reads also need the
record to be in one of the user's organisations (else 404); writes also need a token made
with write access (else 403).

``ROLES`` maps each operation (the endpoint name under the ``api`` blueprint) to its roles;
``spstories.web.api.registry`` refuses an operation that is not listed here, and the
access-matrix tests read this table.
"""

from __future__ import annotations

from types import MappingProxyType

from spstories.core.vocabulary import Role

EVERYONE = frozenset(Role)
# As the client, case study and feedback pages (``any_role``): every member reads records.
RECORD_READERS = EVERYONE
# As /clients/new and /feedback/new (``RECORDERS``).
RECORDERS = frozenset({Role.LINK_WORKER, Role.MANAGER})
# As the dashboard (``VIEWERS``): link workers do not see outcome counts.
DASHBOARD_VIEWERS = frozenset({Role.MANAGER, Role.RESEARCHER, Role.ADMIN})

ROLES = MappingProxyType({
    "api.me": EVERYONE,
    "api.organisations": EVERYONE,
    "api.list_clients": RECORD_READERS,
    "api.get_client": RECORD_READERS,
    "api.create_client": RECORDERS,
    "api.list_referrals": RECORD_READERS,
    "api.get_referral": RECORD_READERS,
    "api.list_case_studies": RECORD_READERS,
    "api.get_case_study": RECORD_READERS,
    "api.list_feedback": RECORD_READERS,
    "api.get_feedback": RECORD_READERS,
    "api.create_feedback": RECORDERS,
    "api.list_measure_responses": RECORD_READERS,
    "api.get_measure_response": RECORD_READERS,
    "api.list_tags": RECORD_READERS,
    "api.get_tag": RECORD_READERS,
    "api.outcome_counts": DASHBOARD_VIEWERS,
})
