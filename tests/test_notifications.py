"""Notifications: the services, the inbox pages and the header count, the merge notice and the
secretariat's daily digest."""
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from djgc_direct.cases import services as case_services
from djgc_direct.cases.models import CaseStatus
from djgc_direct.core.clock import SHANGHAI
from djgc_direct.core.errors import NotFound, ValidationError
from djgc_direct.extensions import db
from djgc_direct.notifications import services
from djgc_direct.notifications.models import Notification, OutboxEmail
from djgc_direct.notifications.outbox import deliver_outbox
from tests.cases_world import MAIN_ROAD, _steps, case_in, make_world, write_letter
from tests.factories import (
    AdminFactory, LeaderFactory, RepresentativeFactory, UnitStaffFactory, UserFactory,
)
from tests.helpers import login, post_form, run_at_once
from tests.test_outbox_smtp import smtp  # noqa: F401  (the SMTP server fixture)


def notifications_of(user):
    db.session.expire_all()
    return db.session.scalars(sa.select(Notification).where(Notification.recipient_id == user.id)
                              .order_by(Notification.id)).all()


def outbox():
    return db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)).all()


# ---- services ---------------------------------------------------------------------------------

def test_notify_writes_the_notification_and_queues_its_mail():
    user = UserFactory(email="suzhiming@example.cn")
    case = case_in(make_world(), CaseStatus.SUBMITTED)
    notification = services.notify(user, kind="case.registered", title="来信已登记\n请查看", body="正文",
                                   link=f"/cases/{case.id}", case=case)
    db.session.commit()
    assert notification.title == "来信已登记 请查看"  # one line: it is also the mail's subject
    assert (notification.recipient_id, notification.case_id, notification.read_at) == (user.id, case.id, None)
    [mail] = outbox()
    assert mail.notification_id == notification.id
    assert (mail.to_address, mail.subject, mail.attempts) == ("suzhiming@example.cn", "来信已登记 请查看", 0)
    assert mail.body.startswith("正文\n") and "请登录党代表直通车系统" in mail.body
    assert mail.next_attempt_at == notification.created_at and mail.sent_at is None


def test_no_mail_without_an_address_or_when_not_wanted():
    services.notify(UserFactory(email=None), kind="test", title="甲", body="正文")
    services.notify(UserFactory(email="a@example.cn"), kind="test", title="乙", body="正文", email=False)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 2
    assert outbox() == []


@pytest.mark.parametrize("link", ["https://evil.example/x", "//evil.example/x", "javascript:alert(1)",
                                  "cases/1", "/\\evil.example", "/cases/1\n"])
def test_links_must_be_paths_on_this_site(link):
    user = UserFactory()
    for dedup_key in (None, "once"):
        with pytest.raises(ValidationError):
            services.notify(user, kind="test", title="标题", body="正文", link=link, dedup_key=dedup_key)
    db.session.rollback()
    assert notifications_of(user) == []


def test_a_dedup_key_makes_notification_and_mail_exactly_once():
    user = UserFactory(email="a@example.cn")
    first = services.notify(user, kind="test", title="标题", body="正文", dedup_key="k:1")
    second = services.notify(user, kind="test", title="标题", body="正文", dedup_key="k:1")
    db.session.commit()
    assert first is not None and second is None
    assert len(notifications_of(user)) == 1
    assert [mail.dedup_key for mail in outbox()] == ["k:1"]


def test_notify_many_tells_each_user_once():
    a, b = UserFactory(email="a@example.cn"), UserFactory()
    written = services.notify_many([a, b, a], kind="test", title="标题", body="正文", dedup_key="k")
    again = services.notify_many([a, b], kind="test", title="标题", body="正文", dedup_key="k")
    db.session.commit()
    assert len(written) == 2 and again == []
    assert len(notifications_of(a)) == len(notifications_of(b)) == 1
    assert [notification.dedup_key for notification in notifications_of(a)] == [f"k:{a.id}"]


def test_unread_count_mark_read_and_mark_all_read(clock):
    me, other = UserFactory(), UserFactory()
    mine = [services.notify(me, kind="test", title=f"通知{i}", body="正文") for i in range(3)]
    theirs = services.notify(other, kind="test", title="别人的", body="正文")
    db.session.commit()
    assert services.unread_count(me) == 3

    clock.advance(minutes=5)
    services.mark_read(me, mine[0].id)
    services.mark_read(me, mine[0].id)  # again: no change
    with pytest.raises(NotFound):
        services.mark_read(me, theirs.id)
    with pytest.raises(NotFound):
        services.mark_read(me, 999999)
    db.session.commit()
    assert services.unread_count(me) == 2
    assert mine[0].read_at == clock.now()

    assert services.mark_all_read(me) == 2
    db.session.commit()
    assert services.unread_count(me) == 0
    assert services.unread_count(other) == 1


# ---- the inbox pages --------------------------------------------------------------------------

def client_for(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.mark.parametrize("factory", [RepresentativeFactory, UserFactory, LeaderFactory, UnitStaffFactory,
                                     AdminFactory])
def test_every_role_has_an_inbox_and_the_count_in_the_header(app, factory):
    user = factory(username="someone")
    services.notify(user, kind="test", title="请查看", body="正文")
    services.notify(user, kind="test", title="另一条", body="正文")
    db.session.commit()
    client = client_for(app, "someone")
    home = client.get("/").get_data(as_text=True)
    assert '通知 <span class="count">2</span>' in home
    assert 'aria-label="2 条未读通知"' in home
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert "请查看" in page.get_data(as_text=True)


def test_mark_read_and_mark_all_read_through_the_pages(app):
    user = UserFactory(username="mishuchu")
    ids = [services.notify(user, kind="test", title=f"通知{i}", body="正文").id for i in range(3)]
    db.session.commit()
    client = client_for(app, "mishuchu")

    response = post_form(client, f"/notifications/{ids[0]}/read", {}, form_url="/notifications/")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications/"
    page = client.get("/notifications/").get_data(as_text=True)
    assert '<span class="count">2</span>' in page
    assert page.count('class="notification unread"') == 2
    assert f'action="/notifications/{ids[0]}/read"' not in page  # read ones have no button

    response = post_form(client, "/notifications/read-all", {}, form_url="/notifications/")
    assert response.status_code == 302
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'class="count"' not in page and "unread" not in page
    assert "已将 2 条通知标为已读" in page
    assert services.unread_count(user) == 0


def test_nobody_marks_someone_elses_notification(app):
    UserFactory(username="mishuchu")
    other = UserFactory(username="other")
    theirs = services.notify(other, kind="test", title="别人的", body="正文")
    db.session.commit()
    client = client_for(app, "mishuchu")
    response = post_form(client, f"/notifications/{theirs.id}/read", {}, form_url="/notifications/")
    assert response.status_code == 404
    assert post_form(client, "/notifications/read-all", {}, form_url="/notifications/").status_code == 302
    assert services.unread_count(other) == 1
    assert "别人的" not in client.get("/notifications/").get_data(as_text=True)


def test_posts_need_the_csrf_token(app):
    user = UserFactory(username="mishuchu")
    notification = services.notify(user, kind="test", title="标题", body="正文")
    db.session.commit()
    client = client_for(app, "mishuchu")
    assert client.post(f"/notifications/{notification.id}/read").status_code == 400
    assert client.post("/notifications/read-all").status_code == 400
    assert services.unread_count(user) == 1


def test_title_body_and_link_are_escaped(app):
    user = UserFactory(username="mishuchu")
    services.notify(user, kind="test", title="<script>alert(1)</script>", body="<b>粗体</b>",
                    link='/cases/1?x="><script>alert(2)</script>')
    db.session.commit()
    page = client_for(app, "mishuchu").get("/notifications/").get_data(as_text=True)
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;粗体&lt;/b&gt;" in page
    assert 'href="/cases/1?x=&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in page


def test_inbox_is_newest_first_and_paginated(app, clock):
    user = UserFactory(username="mishuchu")
    for i in range(31):
        services.notify(user, kind="test", title=f"第{i:02d}条", body="正文")
        clock.advance(minutes=1)
    db.session.commit()
    client = client_for(app, "mishuchu")
    first = client.get("/notifications/").get_data(as_text=True)
    assert first.count('class="notification unread"') == 30
    assert first.index("第30条") < first.index("第29条") and "第00条" not in first
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert second.count('class="notification unread"') == 1 and "第00条" in second


# ---- merge ------------------------------------------------------------------------------------

def test_merge_tells_both_representatives_without_revealing_the_other_letter(app):
    w = make_world()
    w.representative.email = "suzhiming@example.cn"
    case = write_letter(w)
    target = write_letter(w, representative=w.other_representative, title="园区欠薪同一事项")
    case_services.register(target, w.secretary)
    case_services.merge(case, w.secretary, target.id)
    services.notify_case_merged(case, target)
    services.notify_case_merged(case, target)  # told once, however often it is called
    db.session.commit()

    [mine] = notifications_of(w.representative)
    assert mine.title == "您的来信已并案办理" and mine.link == f"/cases/{target.id}"
    assert mine.body == (f"您的来信《{case.title}》与{target.number}《园区欠薪同一事项》反映同一事项,"
                         "已并入该件一并办理。办理进展和答复请在该件中查看。")
    [theirs] = notifications_of(w.other_representative)
    assert theirs.body == f"另有一件反映同一事项的来信已并入您的来信{target.number}《园区欠薪同一事项》,一并办理。"
    assert case.title not in theirs.body and w.representative.name not in theirs.body
    assert [mail.to_address for mail in outbox()] == ["suzhiming@example.cn"]
    # The link leads somewhere the representative may go.
    assert client_for(app, "suzhiming").get(mine.link).status_code == 200


def test_merging_two_letters_of_one_representative_tells_them_once():
    w = make_world()
    case, target = write_letter(w), write_letter(w, title="同一事项")
    case_services.merge(case, w.secretary, target.id)
    services.notify_case_merged(case, target)
    db.session.commit()
    assert len(notifications_of(w.representative)) == 1


# ---- the secretariat's daily digest -----------------------------------------------------------

def case_titled(w, status, title):
    """A case of the world's representative with its own title, brought to `status` by the services."""
    case = write_letter(w, title=title)
    steps = _steps(w)
    for step in MAIN_ROAD[1:MAIN_ROAD.index(status) + 1]:
        steps[step](case)
    return case


def assigned_with_due(w, title, due, unit):
    case = case_titled(w, CaseStatus.ANNOTATED, title)
    case_services.assign(case, w.chen, unit_ids=[unit.id], lead_unit_id=unit.id, due_date=due)
    return case


def digest_world():
    """Cases made on Thu 26 Nov 2026 in every situation the digest must tell apart."""
    w = make_world()
    w.secretary.email = "weixiaomei@example.cn"
    UserFactory(username="sec2", name="覃丽", email="qinli@example.cn")
    UserFactory(username="sec3", name="没邮箱")
    UserFactory(username="sec4", name="已停用", email="gone@example.cn", active=False)
    cases = {
        "submitted": case_titled(w, CaseStatus.SUBMITTED, "甲:待登记"),
        "forwarded": case_titled(w, CaseStatus.FORWARDED, "乙:待批示"),
        "in_progress": case_titled(w, CaseStatus.IN_PROGRESS, "丙:办理中"),
        "due_today": assigned_with_due(w, "丁:今日到期", date(2026, 12, 15), w.park),
        "overdue": assigned_with_due(w, "戊:已逾期", date(2026, 12, 10), w.finance),
        "far": assigned_with_due(w, "己:期限尚远", date(2026, 12, 28), w.finance),
        # Not the secretariat's to chase: a draft, a registered letter, a reply under review.
        "draft": write_letter(w, title="庚:草稿", submit=False),
        "registered": case_titled(w, CaseStatus.REGISTERED, "辛:已登记"),
        "replied": case_titled(w, CaseStatus.REPLIED, "壬:已答复"),
    }
    db.session.commit()
    return w, cases


def test_digest_lists_what_is_due_and_overdue(clock):
    w, c = digest_world()
    clock.set(datetime(2026, 12, 15, 8, 0, tzinfo=SHANGHAI))  # Tuesday; due soon = by Thu 17 Dec
    written = services.secretariat_digest()
    db.session.commit()

    n = {key: case.number for key, case in c.items()}
    expected = "\n".join([
        "待登记来信 1 件:",
        "- 《甲:待登记》,登记期限 2026-11-27 【已逾期】",  # 1 working day after Thu 26 Nov
        "待批示来信 1 件:",
        f"- {n['forwarded']}《乙:待批示》,批示期限 2026-12-01 【已逾期】",  # 3 working days
        "即将到期或已逾期的交办事项 4 项:",
        f"- {n['overdue']}《戊:已逾期》 市财政局(主办),办理期限 2026-12-10 【已逾期】",
        f"- {n['due_today']}《丁:今日到期》 雒容工业园区管委会(主办),办理期限 2026-12-15 【今日到期】",
        # 15 working days after Thu 26 Nov; the support unit is listed too.
        f"- {n['in_progress']}《丙:办理中》 市财政局(主办),办理期限 2026-12-17",
        f"- {n['in_progress']}《丙:办理中》 雒容工业园区管委会(协办),办理期限 2026-12-17",
    ])
    recipients = sorted(notification.recipient.username for notification in written)
    assert recipients == ["mishuchu", "sec2", "sec3"]  # active secretaries only
    for notification in written:
        assert notification.title == "每日待办摘要(2026-12-15)"
        assert notification.body == expected
        assert notification.link == "/cases/inbox" and notification.kind == "digest.secretariat"
    assert sorted(mail.to_address for mail in outbox()) == ["qinli@example.cn", "weixiaomei@example.cn"]


def test_digest_twice_a_day_sends_one_mail_per_secretary_and_again_the_next_day(clock, smtp):  # noqa: F811
    digest_world()
    assert len(services.secretariat_digest()) == 3
    db.session.commit()
    assert services.secretariat_digest() == []
    db.session.commit()
    assert deliver_outbox().sent == 2
    assert sorted(m["To"] for m in smtp.messages) == ["qinli@example.cn", "weixiaomei@example.cn"]
    assert {m["Subject"] for m in smtp.messages} == {"每日待办摘要(2026-11-26)"}

    clock.advance(days=1)
    assert len(services.secretariat_digest()) == 3
    db.session.commit()
    assert deliver_outbox().sent == 2
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 6


def test_two_digest_runs_at_once_write_one_per_secretary(app):
    digest_world()
    def digest_and_commit():
        services.secretariat_digest()
        db.session.commit()

    run_at_once(app, digest_and_commit)
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 3
    assert len(outbox()) == 2


def test_no_digest_when_nothing_is_due():
    make_world()
    assert services.secretariat_digest() == []
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def test_digest_queries_do_not_grow_with_the_number_of_cases(app, clock):
    w, _cases = digest_world()
    statements = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        services.secretariat_digest()
        db.session.commit()
        few = len(statements)
        for i in range(3):
            case_titled(w, CaseStatus.SUBMITTED, f"再来一封{i}")
            case_titled(w, CaseStatus.FORWARDED, f"再呈阅一封{i}")
            case_titled(w, CaseStatus.IN_PROGRESS, f"再交办一封{i}")
        db.session.commit()
        db.session.expire_all()
        clock.advance(days=1)
        statements.clear()
        services.secretariat_digest()
        db.session.commit()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == few
    assert few <= 5  # the cases, the assignments, the secretaries, the calendar's overrides, the ladder
