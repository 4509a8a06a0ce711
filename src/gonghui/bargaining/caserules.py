"""The model layer's view of a negotiation case through deadlines.py (the pure rules).

`case_deadlines(case)` gives every statutory deadline the case's dates trigger, with its status
today; `representative_problems` and `vote_problems` the rule checks; `blocking_problems` what a
save must refuse (a step the law does not allow yet); `stage_of` the stage the dates show.
"""

from datetime import date

from gonghui.bargaining import deadlines

STATUS_CSS = {
    "met": "success",
    "late": "danger",
    "missed": "danger",
    "due_soon": "warning",
    "pending": "secondary",
    "info": "info",
}


STATUS_LABELS = {
    "met": "按期完成",
    "late": "逾期完成",
    "missed": "已逾期",
    "due_soon": "即将到期",
    "pending": "未到期",
    "info": "提示",
}


def case_dates(case):
    return deadlines.CaseDates(
        offer_received=case.offer_on,
        replied=case.reply_on,
        signed=case.signed_on,
        filed=case.filed_on,
        objection=case.review_objection_on,
        term_years=case.term_years,
        renewal_requested=case.renewal_requested_on,
    )


def case_deadlines(case, today=None):
    from gonghui.core import officialdays

    return deadlines.case_deadlines(
        case_dates(case), today or date.today(), official_days=officialdays.overrides()
    )


def missed_deadlines(case, today=None):
    return deadlines.missed(case_deadlines(case, today))


def effective_on(case, today=None):
    for d in case_deadlines(case, today):
        if d.key == "effective":
            return d.due
    return None


def expires_on(case, today=None):
    for d in case_deadlines(case, today):
        if d.key == "renewal":
            return d.due
    return None


def _person_id(name):
    return "".join(name.split())


def representative_problems(case, blocking_only=False):
    reps = list(case.representatives.all())
    sides = {"workers": [], "employer": []}
    for r in reps:
        sides[r.side].append(
            deadlines.Representative(
                person_id=_person_id(r.name), name=r.name, chief=r.is_chief, external=r.is_outside_expert
            )
        )
    problems = deadlines.validate_representatives(sides["workers"], sides["employer"])
    if not blocking_only:
        return problems
    # While representatives are being entered, too few or unequal numbers are expected; what can
    # never be right is refused at once.
    never = ("不得由非本单位人员担任", "不得相互兼任", "重复登记")
    blocking = [p for p in problems if any(s in p for s in never)]
    for side in sides.values():
        if sum(1 for r in side if r.chief) > 1:
            blocking.append("每方只能确定1名首席代表")
    return blocking


def vote_problems(case):
    if case.congress_total is None or case.congress_present is None or case.congress_for is None:
        return []
    return deadlines.validate_congress_vote(case.congress_total, case.congress_present, case.congress_for)


def blocking_problems(case):
    """{field: [messages]} of steps recorded before the law allows them."""
    problems = {}
    if case.signed_on or case.draft_signed_on:
        reps = representative_problems(case) if case.pk else []
        if reps:
            field = "signed_on" if case.signed_on else "draft_signed_on"
            problems[field] = ["协商代表不符合规定，不能签字：" + "；".join(reps)]
    if case.signed_on:
        if case.congress_total is None:
            problems.setdefault("signed_on", []).append(
                "集体合同草案须经职工代表大会或全体职工讨论通过后才能签订。"
            )
        else:
            votes = vote_problems(case)
            if votes:
                problems.setdefault("congress_for", []).extend(votes)
    if case.filed_on and not case.signed_on:
        problems["filed_on"] = ["请先填写签订日期。"]
    if case.term_years is not None and deadlines.validate_term_years(case.term_years):
        problems["term_years"] = deadlines.validate_term_years(case.term_years)
    return problems


def stage_of(case, today=None):
    from gonghui.bargaining.models import NegotiationCase

    Stage = NegotiationCase.Stage
    if case.stage == Stage.FAILED:
        return Stage.FAILED
    if case.filed_on:
        if (
            case.review_objection_on is None
            and effective_on(case, today)
            and effective_on(case, today) <= (today or date.today())
        ):
            return Stage.EFFECTIVE
        return Stage.FILED
    if case.signed_on:
        return Stage.SIGNED
    if case.congress_for is not None and not vote_problems(case):
        return Stage.VOTED
    if case.pk and (case.reply_on or case.meetings.exists()):
        return Stage.NEGOTIATING
    if case.offer_on:
        return Stage.OFFERED
    return Stage.PREPARING
