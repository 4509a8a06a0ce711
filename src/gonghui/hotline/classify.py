"""Topic suggestion from ticket text (pure: no Django import).

Text is segmented with jieba (a private ``jieba.Tokenizer`` with the domain words added, so
the global jieba state of other modules is untouched; its start-up log is silenced). The model
is a multinomial naive Bayes written with NumPy, learned from operators' past choices, plus
optional keyword rules that add a fixed log-weight to a topic (rules + learned weights).

    model = train(texts, labels)                 # -> TopicClassifier
    model.suggest("老板拖欠三个月工资") -> [("拖欠工资", 0.97), ("劳动合同", 0.01), ...]
    evaluate(texts, labels)                      # held-out accuracy of a fresh model
    model.to_dict() / TopicClassifier.from_dict(d)  # JSON-safe, to store in the database
"""

from __future__ import annotations

import logging
import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

DOMAIN_WORDS = (
    "拖欠工资", "欠薪", "讨薪", "工资条", "加班费", "最低工资", "绩效工资", "年终奖", "劳动合同", "试用期",
    "经济补偿", "违法解除", "辞退", "竞业限制", "社会保险", "社保", "五险一金", "公积金", "医保", "养老保险",
    "失业保险", "工伤保险", "工伤认定", "劳动能力鉴定", "职业病", "工时", "加班", "调休", "年休假", "带薪年假",
    "产假", "婚假", "病假", "996", "安全帽", "防护用品", "高温津贴", "粉尘", "噪声", "入会", "工会会员",
    "工会经费", "职代会", "集体合同", "困难职工", "帮扶", "大病救助", "助学", "送温暖", "外卖骑手", "快递员",
    "网约车", "劳务派遣", "包工头", "农民工", "停工停产", "老板跑路",
)  # fmt: skip

STOPWORDS = frozenset(
    "的 了 是 我 我们 你 你们 他 她 他们 在 和 与 及 也 都 就 还 又 把 被 给 让 向 对 从 到 为 因为 所以 但是 可是 "
    "一个 这个 那个 这 那 有 没 没有 不 吗 呢 啊 吧 呀 么 什么 怎么 如何 请问 您好 你好 谢谢 希望 请 能 能否 可以 "
    "现在 已经 一直 目前 公司 单位 企业 员工 职工 工人 反映 情况 问题 工会 帮忙 帮助 处理 尽快 一下 这样 那样 "
    "里 上 下 中 个 月 年 日 天 说 要 会 想 去 来 着 过 等 元 多 很 太 再 才 后 前 时候 自己".split()
)

_TOKEN_OK = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")

_tokenizer = None


def _get_tokenizer():
    global _tokenizer
    if _tokenizer is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        logging.getLogger("jieba").setLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        tok.initialize()
        for w in DOMAIN_WORDS:
            tok.add_word(w, freq=20000)
        _tokenizer = tok
    return _tokenizer


def tokenize(text: str, stopwords: frozenset = STOPWORDS) -> list[str]:
    """jieba words of ``text`` without punctuation, single characters and stop words."""
    out = []
    for w in _get_tokenizer().lcut(text or ""):
        w = w.strip()
        if len(w) < 2 or w in stopwords or not _TOKEN_OK.search(w) or w.isdigit():
            continue
        out.append(w)
    return out


# keyword rules: a match adds ``rule_weight`` to the topic's log score
DEFAULT_RULES: dict[str, tuple[str, ...]] = {
    "拖欠工资": ("拖欠工资", "欠薪", "讨薪", "工资拖欠", "老板跑路"),
    "劳动合同": ("劳动合同", "试用期", "违法解除", "经济补偿"),
    "社会保险": ("社保", "社会保险", "养老保险", "医保", "五险一金"),
    "工伤": ("工伤认定", "工伤", "劳动能力鉴定", "职业病"),
    "工时休假": ("年休假", "带薪年假", "调休", "产假", "996"),
    "安全卫生": ("安全帽", "防护用品", "粉尘", "高温津贴", "安全隐患"),
    "入会与工会权益": ("入会", "工会会员", "职代会", "集体合同", "工会经费"),
    "困难帮扶": ("困难职工", "大病救助", "助学", "送温暖"),
}


class TopicClassifier:
    """Multinomial naive Bayes over jieba words, with optional keyword rules."""

    def __init__(
        self, alpha: float = 0.5, rules: Mapping[str, Sequence[str]] | None = None, rule_weight: float = 1.0
    ):
        self.alpha = alpha
        self.rules = {k: tuple(v) for k, v in (rules or {}).items()}
        self.rule_weight = rule_weight
        self.topics: list[str] = []
        self.vocab: dict[str, int] = {}
        self.log_prior: np.ndarray | None = None
        self.log_lik: np.ndarray | None = None  # topics x (vocab + 1 unknown)

    # -- learning
    def train(self, texts: Iterable[str], labels: Iterable[str]) -> TopicClassifier:
        docs = [tokenize(t) for t in texts]
        labels = list(labels)
        if len(docs) != len(labels) or not docs:
            raise ValueError("texts and labels must be non-empty and of the same length")
        self.topics = sorted(set(labels) | set(self.rules))
        tindex = {t: i for i, t in enumerate(self.topics)}
        vocab: dict[str, int] = {}
        for d in docs:
            for w in d:
                vocab.setdefault(w, len(vocab))
        self.vocab = vocab
        counts = np.zeros((len(self.topics), len(vocab) + 1))
        prior = np.zeros(len(self.topics))
        for d, y in zip(docs, labels, strict=True):
            i = tindex[y]
            prior[i] += 1
            for w, c in Counter(d).items():
                counts[i, vocab[w]] += c
        self.log_prior = np.log((prior + 1.0) / (prior.sum() + len(self.topics)))
        smoothed = counts + self.alpha
        self.log_lik = np.log(smoothed / smoothed.sum(axis=1, keepdims=True))
        return self

    # -- prediction
    def scores(self, text: str) -> np.ndarray:
        if self.log_lik is None:
            raise RuntimeError("the classifier is not trained")
        unk = len(self.vocab)
        idx = np.fromiter((self.vocab.get(w, unk) for w in tokenize(text)), dtype=np.int64)
        idx = idx[idx != unk]
        logp = self.log_prior + self.log_lik[:, idx].sum(axis=1)
        if self.rules:
            for i, t in enumerate(self.topics):
                hits = sum(1 for kw in self.rules.get(t, ()) if kw in text)
                logp[i] += self.rule_weight * hits
        logp = logp - logp.max()
        p = np.exp(logp)
        return p / p.sum()

    def suggest(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """Top ``k`` topics with their posterior probability, best first."""
        p = self.scores(text)
        order = np.argsort(-p, kind="stable")[:k]
        return [(self.topics[i], round(float(p[i]), 4)) for i in order]

    def predict(self, text: str) -> str:
        return self.suggest(text, 1)[0][0]

    def evaluate(self, texts: Sequence[str], labels: Sequence[str]) -> dict:
        """Accuracy (and top-3 accuracy, per-topic recall) on held-out tickets."""
        n, hit1, hit3 = 0, 0, 0
        per: dict[str, list[int]] = {}
        for text, y in zip(texts, labels, strict=True):
            top = [t for t, _ in self.suggest(text, 3)]
            n += 1
            ok = bool(top) and top[0] == y
            hit1 += ok
            hit3 += y in top
            per.setdefault(y, [0, 0])
            per[y][0] += ok
            per[y][1] += 1
        return {
            "n_test": n,
            "accuracy": hit1 / n if n else None,
            "top3_accuracy": hit3 / n if n else None,
            "per_topic_recall": {t: a / b for t, (a, b) in sorted(per.items())},
        }

    # -- storage
    def to_dict(self) -> dict:
        return {
            "alpha": self.alpha,
            "rules": {k: list(v) for k, v in self.rules.items()},
            "rule_weight": self.rule_weight,
            "topics": list(self.topics),
            "vocab": sorted(self.vocab, key=self.vocab.__getitem__),
            "log_prior": self.log_prior.tolist() if self.log_prior is not None else None,
            "log_lik": self.log_lik.tolist() if self.log_lik is not None else None,
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> TopicClassifier:
        m = cls(d["alpha"], d.get("rules"), d.get("rule_weight", 1.0))
        m.topics = list(d["topics"])
        m.vocab = {w: i for i, w in enumerate(d["vocab"])}
        m.log_prior = None if d["log_prior"] is None else np.asarray(d["log_prior"])
        m.log_lik = None if d["log_lik"] is None else np.asarray(d["log_lik"])
        return m


def train(
    texts: Iterable[str],
    labels: Iterable[str],
    alpha: float = 0.5,
    rules: Mapping | None = DEFAULT_RULES,
    rule_weight: float = 1.0,
) -> TopicClassifier:
    """Learn a classifier from operators' past (text, topic) choices."""
    return TopicClassifier(alpha, rules, rule_weight).train(texts, labels)


def split(texts: Sequence[str], labels: Sequence[str], test_fraction: float = 0.25, seed: int = 0):
    """Random held-out split: (train_texts, train_labels, test_texts, test_labels)."""
    idx = list(range(len(texts)))
    random.Random(seed).shuffle(idx)
    cut = int(round(len(idx) * (1 - test_fraction)))
    tr, te = idx[:cut], idx[cut:]
    return [texts[i] for i in tr], [labels[i] for i in tr], [texts[i] for i in te], [labels[i] for i in te]


def evaluate(
    texts: Sequence[str], labels: Sequence[str], test_fraction: float = 0.25, seed: int = 0, **train_kwargs
) -> dict:
    """Train on part of the tickets and report accuracy on the held-out rest."""
    tr_x, tr_y, te_x, te_y = split(list(texts), list(labels), test_fraction, seed)
    model = train(tr_x, tr_y, **train_kwargs)
    result = model.evaluate(te_x, te_y)
    result["n_train"] = len(tr_x)
    return result
