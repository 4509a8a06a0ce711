import datetime as dt

import chinese_calendar
import pytest

from gonghui.hotline import synthetic, warning
from gonghui.hotline.warning import (
    LUNAR_NEW_YEAR,
    WarningConfig,
    days_to_next_lunar_new_year,
    detect,
    judge_theme,
    learn_festival_factor,
    lunar_new_year,
    rank_problems,
)


@pytest.fixture(scope="module")
def county():
    return synthetic.make_county(12, 300, seed=11)


@pytest.fixture(scope="module")
def background(county):
    return synthetic.generate_tickets(dt.date(2024, 10, 1), dt.date(2026, 2, 20), 30, county, seed=11)


@pytest.fixture(scope="module")
def cfg(background):
    hist = [t for t in background if t["date"] < dt.date(2025, 6, 1)]
    return WarningConfig(
        festival_factor=learn_festival_factor(hist) or 2.0,
        dow_factors=tuple(warning._dow_factors([t["date"] for t in hist])),
    )


def test_lunar_new_year_table_matches_official_spring_festival_holidays():
    for year, day in LUNAR_NEW_YEAR.items():
        if 2004 <= year <= 2026:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            assert on_holiday and name == "Spring Festival", year
    assert lunar_new_year(2026) == dt.date(2026, 2, 17)
    assert days_to_next_lunar_new_year(dt.date(2026, 1, 6)) == 42
    with pytest.raises(ValueError, match="农历新年表"):
        lunar_new_year(1999)


def test_festival_factor_is_learned_from_history(background):
    factor = learn_festival_factor(background)
    assert 1.5 < factor < 2.6  # generated with 2.0
    assert learn_festival_factor(background[:100]) is None


def test_quiet_background_gives_no_alerts(background, cfg):
    days = [dt.date(2025, 7, 1) + dt.timedelta(days=i) for i in range(0, 28, 3)]
    alerts = [a for d in days for a in detect(background, d, config=cfg)]
    assert len(alerts) <= 1


def test_enterprise_cluster_detected_with_evidence(background, county, cfg):
    ent = county["enterprises"][5]
    out, truth = synthetic.inject_outbreak(
        "enterprise", dt.date(2025, 7, 10), 6, 3.0, county, seed=2, enterprise_id=ent["id"]
    )
    tickets = background + out
    alerts = detect(tickets, dt.date(2025, 7, 15), config=cfg)
    ent_alerts = [a for a in alerts if a.kind == "enterprise" and a.key == ent["id"]]
    assert ent_alerts, alerts
    a = ent_alerts[0]
    assert set(a.ticket_ids) >= set(truth["ticket_ids"]) & set(a.ticket_ids)
    assert set(truth["ticket_ids"]) & set(a.ticket_ids)
    assert a.observed > a.expected * 2
    d = a.to_dict()
    assert d["kind_label"] == "企业" and "预计" in d["explanation"] and d["severity"] in ("高", "中", "低")
    # the same tickets do not raise a second, broader alert on their town
    assert not [x for x in alerts if x.kind == "town" and x.key == ent["town"]]


def test_signals_add_to_enterprise_evidence(background, county, cfg):
    ent = county["enterprises"][7]
    out = [
        {"id": f"Z{i}", "date": dt.date(2025, 7, 13 + i), "enterprise_id": ent["id"], "town": ent["town"],
         "topic": "拖欠工资", "text": "老板说没钱发工资"}
        for i in range(3)
    ]  # fmt: skip
    sigs = [{"id": "S1", "kind": "arrears_clue", "date": dt.date(2025, 7, 13), "enterprise_id": ent["id"]},
            {"id": "S2", "kind": "arrears_clue", "date": dt.date(2025, 7, 14), "enterprise_id": ent["id"]}]  # fmt: skip
    assert not [a for a in detect(background + out, dt.date(2025, 7, 15), config=cfg) if a.key == ent["id"]]
    alerts = detect(background + out, dt.date(2025, 7, 15), signals=sigs, config=cfg)
    hit = [a for a in alerts if a.kind == "enterprise" and a.key == ent["id"]]
    assert hit and hit[0].signal_ids == ["S1", "S2"]
    # The text counts the tickets apart from the clues that strengthened them.
    assert "诉求3件，另有欠薪线索，按7件计" in hit[0].explanation


def test_town_topic_rise_and_keyword_burst(background, county, cfg):
    out1, _ = synthetic.inject_outbreak("town_topic", dt.date(2025, 8, 1), 7, 3.0, county, seed=3,
                                        town=county["towns"][2], topic="社会保险")  # fmt: skip
    out2, _ = synthetic.inject_outbreak(
        "keyword", dt.date(2025, 8, 1), 7, 2.5, county, seed=4, phrase="厂房被查封"
    )
    alerts = detect(background + out1 + out2, dt.date(2025, 8, 7), config=cfg)
    kinds = {(a.kind, a.key if a.kind != "keyword" else "kw") for a in alerts}
    assert ("town_topic", (county["towns"][2], "社会保险")) in kinds
    kw = [a for a in alerts if a.kind == "keyword"]
    assert kw and any(w in "厂房被查封" for a in kw for w in [a.key, *a.related_keywords])


def test_pre_festival_wage_season_is_not_an_alert_but_a_real_rise_is(background, county, cfg):
    day = dt.date(2026, 2, 5)  # 12 days before 春节 2026, inside the wage season
    seasonal_alerts = [a for a in detect(background, day, config=cfg) if a.kind == "topic"]
    assert not [a for a in seasonal_alerts if a.key == "拖欠工资"]
    # a flat baseline expects far fewer wage tickets than the season brings
    everything = {"p_threshold": 1.0, "min_ratio": 0.0, "min_count": {}, "dimensions": ("topic",)}
    seasonal_all = WarningConfig(
        festival_factor=cfg.festival_factor, dow_factors=cfg.dow_factors, **everything
    )
    flat_all = WarningConfig(festival_factor=1.0, dow_factors=cfg.dow_factors, **everything)

    def expected(conf):
        return next(
            a.expected
            for a in detect(background, day, config=conf)
            if a.key == "拖欠工资" and a.window_days == 7
        )

    assert expected(seasonal_all) > 1.25 * expected(flat_all)
    out, _ = synthetic.inject_outbreak("town_topic", dt.date(2026, 1, 30), 7, 4.0, county, seed=9,
                                       town=county["towns"][0], topic="拖欠工资")  # fmt: skip
    alerts = detect(background + out, day, config=cfg)
    hit = [a for a in alerts if a.kind == "town_topic" and a.key == (county["towns"][0], "拖欠工资")]
    assert hit and hit[0].seasonal_factor > 1.3 and "春节" in hit[0].explanation


def test_rank_problems_and_judge_theme(background):
    year = [t for t in background if dt.date(2025, 1, 1) <= t["date"] < dt.date(2026, 1, 1)]
    ranked = rank_problems(year, dt.date(2025, 1, 1), dt.date(2026, 1, 1), top=5)
    assert set(ranked) == {"topic", "topic+industry", "topic+town"}
    top = ranked["topic"][0]
    assert top["rank"] == 1 and top["dims"] == {"topic": "拖欠工资"} and top["enterprises"] >= 3
    assert top["keywords"] and top["months_active"] == 12
    assert ranked["topic+town"][0]["count"] >= ranked["topic+town"][-1]["count"]

    theme = {"topic": "工伤"}
    tickets = [t for t in year if t["topic"] != "工伤" or t["date"].month != 6 or int(t["id"][1:]) % 2 == 0]
    res = judge_theme(tickets, theme, 2025, 6)
    assert res["success"] and res["count"] < res["previous_count"] and "环比下降" in res["verdict"]
    assert list(res["series"])[-1] == "2025-06" and len(res["series"]) == 7
    worse = judge_theme(year, theme, 2025, 6, target_fall=0.5)
    assert not worse["success"]
    jan = judge_theme(background, lambda t: t["topic"] == "工伤", 2025, 1)
    assert jan["previous_count"] > 0  # December 2024 is in the data
