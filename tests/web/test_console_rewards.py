"""The console's rewards page (web/access.py) on both stores: the gifts and services
waiting to be handed over, the "Handed over" action of owners and marketers (audited under
the staff user; an analyst reads only), and the causes' totals. The catalog's stock:
tests/web/test_console_access.py."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.audit import AuditQuery
from patron.services.adjust import adjust
from patron.services.audit import audit_trail
from patron.services.commands import Adjust, Redeem
from patron.services.redeem import redeem
from tests.integration.helpers import member
from tests.web.conftest import token


def test_a_marketer_hands_over_a_gift_from_the_queue_and_an_analyst_cannot(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    # given (examples/program.toml) a member who redeemed a coffee (a gift, 150 points)
    # and planted a tree (a cause, 250 points, cost 2.50)
    mid = member(patron)
    patron.run(adjust, Adjust(mid, 1000, "setup", "tests"))
    coffee = patron.run(redeem, Redeem(mid, reward_id="coffee"))
    patron.run(redeem, Redeem(mid, reward_id="tree"))
    assert coffee.voucher is not None
    # then the page lists the coffee to hand over, with its code, and the tree's totals
    analyst = log_in("analyst")
    page = analyst.get("/console/rewards").text
    assert f'id="queue-{coffee.redemption_id}"' in page
    assert coffee.voucher.grouped_code in page
    assert '<td>Plant a tree</td><td class="num">1</td><td class="num">250</td>' in page
    assert "2.50" in page
    # an analyst sees no button, and a post of theirs is refused, nothing done
    assert "handed-over" not in page
    sent = analyst.post(
        f"/console/rewards/{coffee.redemption_id}/handed-over", data={"csrf": token(page)}
    )
    assert sent.status_code == 403
    # when a marketer presses "Handed over"
    marketer = log_in("marketer")
    page = marketer.get("/console/rewards").text
    done = marketer.post(
        f"/console/rewards/{coffee.redemption_id}/handed-over", data={"csrf": token(page)}
    )
    # then it leaves the queue, the audit log names the marketer
    assert done.status_code == 303
    after = marketer.get(done.headers["location"]).text
    assert f"Redemption {coffee.redemption_id} handed over." in after
    assert f'id="queue-{coffee.redemption_id}"' not in after and 'id="queue-empty"' in after
    [entry] = patron.read(audit_trail, AuditQuery(action="reward.handed_over")).entries
    assert (entry.actor, entry.member_id) == ("user:marketer@shop.ro", mid)
    # and pressing it again (a second tab) says it was handed over already
    again = marketer.post(
        f"/console/rewards/{coffee.redemption_id}/handed-over", data={"csrf": token(after)}
    )
    assert again.status_code == 409 and "handed over at" in again.text
