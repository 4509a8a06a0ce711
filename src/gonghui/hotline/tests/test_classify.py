import json

import pytest

from gonghui.hotline import classify, synthetic
from gonghui.hotline.classify import TopicClassifier, evaluate, tokenize, train


@pytest.fixture(scope="module")
def data():
    return synthetic.generate_texts(1500, seed=3)


def test_tokenize_keeps_domain_words_and_drops_stopwords():
    toks = tokenize("您好，公司拖欠工资三个月了，也没有交社保，希望工会帮忙。")
    assert "拖欠工资" in toks and "社保" in toks
    assert "您好" not in toks and "，" not in toks and "工会" not in toks


def test_train_and_suggest(data):
    model = train([t for t, _ in data], [y for _, y in data])
    top = model.suggest("老板跑路了，我们八个月工资都没发，快过年了")
    assert top[0][0] == "拖欠工资" and 0 < top[0][1] <= 1
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    assert model.predict("在车间干活手被机器压断了，公司不给申请工伤认定") == "工伤"
    assert model.predict("我们厂没有工会，我想入会") == "入会与工会权益"
    assert len(model.suggest("", k=8)) == 8  # empty text falls back to the priors


def test_heldout_accuracy_is_reported(data):
    res = evaluate([t for t, _ in data], [y for _, y in data], test_fraction=0.3, seed=1)
    assert res["n_test"] == 450 and res["n_train"] == 1050
    assert res["accuracy"] > 0.85 and res["top3_accuracy"] >= res["accuracy"]
    assert set(res["per_topic_recall"]) <= set(synthetic.TOPICS)


def test_model_round_trips_through_json(data):
    model = train([t for t, _ in data[:400]], [y for _, y in data[:400]])
    clone = TopicClassifier.from_dict(json.loads(json.dumps(model.to_dict(), ensure_ascii=False)))
    text = "公司一直不交社保，五险一金都没有"
    assert clone.suggest(text) == model.suggest(text)


def test_rules_add_weight_and_errors():
    texts = ["工资没发", "合同没签"] * 5
    labels = ["拖欠工资", "劳动合同"] * 5
    plain = train(texts, labels, rules=None)
    ruled = train(texts, labels, rules={"困难帮扶": ("大病救助",)}, rule_weight=5.0)
    assert "困难帮扶" not in plain.topics and ruled.predict("想申请大病救助") == "困难帮扶"
    with pytest.raises(ValueError):
        train([], [])
    with pytest.raises(RuntimeError):
        TopicClassifier().suggest("x")


def test_synthetic_generator_is_deterministic_and_covers_topics():
    a = synthetic.generate_texts(300, seed=1)
    assert a == synthetic.generate_texts(300, seed=1)
    assert {y for _, y in a} == set(synthetic.TOPICS)
    assert all(len(t) >= 8 for t, _ in a)
    assert classify.DEFAULT_RULES.keys() == set(synthetic.TOPICS)
