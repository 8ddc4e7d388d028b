"""A realistic direct-line database at any size: letters in every state of their life, written
with set-based inserts in batches (about 5 rows per case: leaders, annotations, assignments,
replies, feedback)."""
import random
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from djgc_direct.accounts.models import Role, User
from djgc_direct.cases.models import (
    Annotation, Assignment, AssignmentStatus, Case, CaseLeader, CaseStatus, Category, CloseReason, Feedback,
    OnBehalfOf, Outcome, Rating, Reply, ReplyStatus,
)
from djgc_direct.extensions import db
from djgc_direct.organisations.models import Delegation, Level, Organisation, Sector
from djgc_direct.search.bulk import bulk_load

from bench.data import letter

S = CaseStatus
# Share of cases in each state: most are finished, a working office has a tail of open ones.
STATES = [(S.CLOSED, 55), (S.ANSWERED, 5), (S.REPLIED, 3), (S.IN_PROGRESS, 14), (S.ASSIGNED, 3), (S.ANNOTATED, 2),
          (S.FORWARDED, 4), (S.REGISTERED, 3), (S.SUBMITTED, 5), (S.RETURNED, 1), (S.REJECTED, 2), (S.WITHDRAWN, 1),
          (S.DRAFT, 1)]
ORDER = [S.SUBMITTED, S.REGISTERED, S.FORWARDED, S.ANNOTATED, S.ASSIGNED, S.IN_PROGRESS, S.REPLIED, S.ANSWERED,
         S.CLOSED]


def reached(status, step):
    return status in ORDER and ORDER.index(status) >= ORDER.index(step)


def people(units=200, representatives=500, leaders=10):
    """Organisations, units with one staff member each, delegations and people. Returns ids."""
    city = Organisation(name="中共柳州市委", level=Level.CITY, sector=Sector.GOVERNMENT, is_unit=False, active=True)
    db.session.add(city)
    db.session.flush()
    counties = db.session.scalars(sa.insert(Organisation).returning(Organisation.id), [
        {"name": f"县区{i:02d}", "parent_id": city.id, "level": Level.COUNTY, "sector": Sector.GOVERNMENT,
         "is_unit": False, "active": True} for i in range(10)]).all()
    unit_ids = db.session.scalars(sa.insert(Organisation).returning(Organisation.id), [
        {"name": f"承办单位{i:03d}", "parent_id": city.id if i < 40 else counties[i % 10],
         "level": Level.CITY if i < 40 else Level.COUNTY, "sector": Sector.GOVERNMENT, "is_unit": True,
         "active": True} for i in range(units)]).all()
    delegations = db.session.scalars(sa.insert(Delegation).returning(Delegation.id), [
        {"name": f"代表团{i:02d}", "active": True} for i in range(15)]).all()
    common = {"password_hash": "!", "active": True, "failed_logins": 0}
    rows = [{"username": f"rep{i}", "name": f"代表{i}", "role": Role.REPRESENTATIVE,
             "delegation_id": delegations[i % len(delegations)], **common} for i in range(representatives)]
    rows += [{"username": f"leader{i}", "name": f"领导{i}", "role": Role.LEADER, "title": "市委常委",
              "precedence": i + 1, **common} for i in range(leaders)]
    rows += [{"username": f"sec{i}", "name": f"秘书{i}", "role": Role.SECRETARIAT, **common} for i in range(3)]
    rows += [{"username": f"staff{i}", "name": f"单位人员{i}", "role": Role.UNIT_STAFF, "organisation_id": unit,
              **common} for i, unit in enumerate(unit_ids)]
    db.session.execute(sa.insert(User), rows)
    ids = dict(db.session.execute(sa.select(User.username, User.id)).all())
    return {"reps": [ids[f"rep{i}"] for i in range(representatives)],
            "leaders": [ids[f"leader{i}"] for i in range(leaders)], "sec": ids["sec0"], "units": unit_ids}


def generate(size, today, seed=11, batch=1_000, span_days=3 * 365):
    """`size` cases over the last `span_days` days (three years), in the proportions of STATES."""
    rng = random.Random(seed)
    ids = people()
    states = [state for state, share in STATES for _ in range(share)]
    end = datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc)
    # Letters are written in time order, so ids follow the submission dates as in a real database.
    ages = sorted((rng.uniform(1, span_days) for _ in range(size)), reverse=True)
    with bulk_load():
        _cases(rng, ids, states, ages, end, today, batch)
    db.session.commit()


def _cases(rng, ids, states, ages, end, today, batch):
    number = 0
    for start in range(0, len(ages), batch):
        cases, plans = [], []
        for age in ages[start:start + batch]:
            status = rng.choice(states)
            submitted = end - timedelta(days=age)
            title, content = letter(rng)
            row = {"representative_id": rng.choice(ids["reps"]), "title": title, "content": content,
                   "category": rng.choice(list(Category)), "on_behalf_of": rng.choice(list(OnBehalfOf)),
                   "status": status, "created_at": submitted, "reopen_count": 0, "version": 1}
            if status is not S.DRAFT:
                row.update(first_submitted_at=submitted, submitted_at=submitted,
                           register_due=(submitted + timedelta(days=1)).date())
            if reached(status, S.REGISTERED) or status is S.REJECTED:
                number += 1
                row.update(registered_at=submitted + timedelta(hours=3), number_year=2000 + number // 1_000_000,
                           number_seq=number % 1_000_000 + 1, number=f"直通〔B〕{number:07d}号")
            if reached(status, S.FORWARDED):
                row["forwarded_at"] = submitted + timedelta(hours=rng.uniform(3, 40))
            if reached(status, S.ANNOTATED):
                row["annotated_at"] = row["forwarded_at"] + timedelta(days=rng.uniform(0.2, 5))
            if reached(status, S.ASSIGNED):
                row["assigned_at"] = row["annotated_at"]
            if reached(status, S.ANSWERED):
                row["answered_at"] = row["assigned_at"] + timedelta(days=rng.uniform(3, 30))
                row["feedback_due"] = (row["answered_at"] + timedelta(days=14)).date()
            if status is S.CLOSED:
                rated = rng.random() < 0.85
                row.update(closed_at=row["answered_at"] + timedelta(days=rng.uniform(1, 10)),
                           close_reason=CloseReason.FEEDBACK if rated else CloseReason.NO_FEEDBACK)
            cases.append(row)
            plans.append(status)
        case_ids = db.session.scalars(sa.insert(Case).returning(Case.id), cases).all()
        _children(rng, ids, list(zip(case_ids, plans, cases)), today)


def _children(rng, ids, batch, today):
    leaders, annotations, assignments, replies, feedback = [], [], [], [], []
    for case_id, status, row in batch:
        leader = rng.choice(ids["leaders"])
        link = {"case_id": case_id, "leader_id": leader, "addressed": True}
        if row.get("forwarded_at"):
            link.update(forwarded_at=row["forwarded_at"], forwarded_by_id=ids["sec"],
                        annotate_due=(row["forwarded_at"] + timedelta(days=4)).date())
        leaders.append(link)
        if row.get("annotated_at"):
            annotations.append({"case_id": case_id, "leader_id": leader, "text": "请有关单位抓紧办理,按期答复。",
                                "internal": False, "created_at": row["annotated_at"]})
        if row.get("assigned_at"):
            due = (row["assigned_at"] + timedelta(days=21)).date()
            done = reached(status, S.REPLIED)
            chosen = rng.sample(ids["units"], 2 if rng.random() < 0.3 else 1)  # a lead, sometimes a support unit
            for lead, unit in zip((True, False), chosen):
                assignments.append({
                    "case_id": case_id, "unit_id": unit, "is_lead": lead, "round": 1, "assigned_by_id": leader,
                    "status": AssignmentStatus.DONE if reached(status, S.ANSWERED) else
                    AssignmentStatus.REPLIED if done and lead else
                    AssignmentStatus.ACKNOWLEDGED if status is not S.ASSIGNED else AssignmentStatus.ASSIGNED,
                    "assigned_at": row["assigned_at"], "acknowledge_due": (row["assigned_at"] + timedelta(days=1)).date(),
                    "acknowledged_at": None if status is S.ASSIGNED else row["assigned_at"] + timedelta(hours=20),
                    "due_date": due, "original_due_date": due, "deadline_version": 1,
                    "replied_at": row.get("answered_at") if done and lead else None})
    db.session.execute(sa.insert(CaseLeader), leaders)
    if annotations:
        db.session.execute(sa.insert(Annotation), annotations)
    if assignments:
        db.session.execute(sa.insert(Assignment), assignments)
    leads = dict(db.session.execute(sa.select(Assignment.case_id, Assignment.id).where(
        Assignment.case_id.in_([case_id for case_id, status, _ in batch if reached(status, S.REPLIED)]),
        Assignment.is_lead.is_(True))).all())
    for case_id, status, row in batch:
        if case_id in leads:
            answered = reached(status, S.ANSWERED)
            replies.append({"case_id": case_id, "assignment_id": leads[case_id], "author_id": ids["leaders"][0],
                            "text": "经研究,已安排专项资金解决,并将持续跟踪。", "outcome": rng.choice(list(Outcome)),
                            "amount_yuan": rng.choice([None, 50_000, 200_000, 1_730_000]),
                            "status": ReplyStatus.APPROVED if answered else ReplyStatus.PENDING_REVIEW,
                            "created_at": row.get("answered_at") or row["assigned_at"] + timedelta(days=10)})
    if replies:
        db.session.execute(sa.insert(Reply), replies)
        by_case = dict(db.session.execute(sa.select(Reply.case_id, Reply.id).where(
            Reply.case_id.in_([r["case_id"] for r in replies]))).all())
        for case_id, status, row in batch:
            if status is S.CLOSED and row.get("close_reason") is CloseReason.FEEDBACK:
                feedback.append({"case_id": case_id, "reply_id": by_case[case_id],
                                 "representative_id": row["representative_id"],
                                 "rating": rng.choices(list(Rating), weights=[70, 20, 10])[0], "comment": None,
                                 "created_at": row["closed_at"]})
    if feedback:
        db.session.execute(sa.insert(Feedback), feedback)
