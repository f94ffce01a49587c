"""The topic model's fitting (``portfolio_scraper.enrich.fit``) and the shipped ``topic_model.json``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from portfolio_scraper.enrich import evaluate, fit
from portfolio_scraper.enrich.classifier import FEATURES, TopicClassifier, TopicModel, neighbour_votes
from portfolio_scraper.enrich.topics import Taxonomy


def test_leave_one_out_centroid_excludes_the_paper_itself() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    labels = np.array([[1.0], [1.0], [0.0]])
    loo = fit.leave_one_out(vectors, labels)
    assert np.allclose(loo[0, 0], [0.0, 1.0])  # paper 0's centroid is paper 1 alone
    assert np.allclose(loo[1, 0], [1.0, 0.0])
    assert np.allclose(loo[2, 0], [2**-0.5, 2**-0.5])  # an unlabelled paper sees every labelled one
    assert np.allclose(fit.centroids(vectors, labels)[0], [2**-0.5, 2**-0.5])


def test_neighbour_votes_weigh_the_nearest_labelled_papers_and_skip_the_paper_itself() -> None:
    bank = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    labels = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    votes = neighbour_votes(bank, bank, labels, k=1, exclude_self=True)
    # each paper's nearest other paper is paper 1 (papers 0 and 2) or paper 0 (paper 1)
    assert votes.tolist() == [[1.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    query = np.array([[0.6, 0.8]], dtype=np.float32)  # cosines 0.6, 0.96, 0.8 to the bank
    both = neighbour_votes(query, bank, labels, k=2)[0]  # papers 1 and 2 vote, weighted by cosine
    assert np.allclose(both, [0.96 / 1.76, 1.0], atol=1e-4)
    assert np.allclose(neighbour_votes(query, bank, labels, k=3)[0], [1.56 / 2.36, 1.76 / 2.36], atol=1e-4)


def test_logistic_fit_learns_the_informative_feature_and_per_topic_bias() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(400, 2, 2))
    y = np.stack([(x[:, 0, 0] > 0.0), (x[:, 1, 0] > 1.0)], axis=1).astype(float)
    shared, per_topic, bias = fit.fit_logistic(x, y, shared_l2=0.1, topic_l2=None)
    assert shared[0] > 3 * abs(shared[1])
    assert not per_topic.any()
    assert bias[1] < bias[0]  # topic 1 is rarer at the same feature value


def test_folds_are_stratified_by_kind() -> None:
    folds = fit.folds_of(["a", "a", "b", "a", "b", "a"], 2)
    assert folds.tolist() == [0, 1, 0, 0, 1, 1]


def test_shipped_model_matches_the_taxonomy_and_the_tune_split() -> None:
    model = TopicModel.shipped()
    assert model is not None
    assert model.topics == tuple(Taxonomy.load().names)
    assert model.to_dict()["features"] == list(FEATURES)
    assert model.centroids.shape[0] == len(model.topics)
    # re-fit (`python -m portfolio_scraper.enrich.fit`) whenever the tune split changes
    assert model.info["fitted_on"] == f"tune split, {len(evaluate.load(split='tune'))} papers"
    assert 0.0 < model.threshold < 1.0


class _NoEmbedder:
    """The cut-off tests only choose topics from given probabilities; nothing is embedded."""

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        raise AssertionError("not embedded in these tests")


def _tune_data(labels: np.ndarray) -> fit.TuneData:
    n, t = labels.shape
    names = Taxonomy.load().names
    records = [
        {"id": f"p{i}", "topics": [names[j] for j in range(t) if labels[i, j]], "kind": "k"} for i in range(n)
    ]
    empty = np.zeros((n, t), dtype=np.float32)
    return fit.TuneData(
        records=records,
        vectors=np.zeros((n, 2), dtype=np.float32),
        description=empty,
        points=np.ones((n, t), dtype=np.float32),  # every topic has evidence outside the abstract
        abstract=empty,
        gate=np.ones(n, dtype=bool),
        labels=labels,
        kinds=["k"] * n,
    )


def test_a_topic_whose_false_positives_sit_at_middling_probability_gets_a_higher_cut_off() -> None:
    classifier = TopicClassifier(Taxonomy.load(), _NoEmbedder())
    topics = len(classifier.taxonomy.names)
    labels = np.zeros((40, topics))
    labels[:10, 0] = 1.0  # ten true LLM papers
    labels[10:, 1] = 1.0  # thirty RAG papers
    probabilities = np.zeros((40, topics))
    probabilities[:10, 0] = 0.9
    probabilities[10:20, 0] = 0.5  # ten RAG papers that the model also calls LLM at 0.5
    probabilities[10:, 1] = 0.95
    data = _tune_data(labels)
    cutoffs = fit.topic_thresholds(classifier, data, [probabilities], threshold=0.3, relative=0.0)
    assert 0.5 < cutoffs[0] <= 0.9  # LLM needs more than 0.5 now
    assert np.all(cutoffs[1:] == 0.3)  # the others keep the global threshold
    names = classifier.taxonomy.names
    before = evaluate.score(data.records, fit.predict(classifier, data, probabilities, 0.3, 0.0), names)
    after = evaluate.score(data.records, fit.predict(classifier, data, probabilities, cutoffs, 0.0), names)
    assert before.topic_precision("LLM") == 0.5 and after.topic_precision("LLM") == 1.0
    assert evaluate.pool([before, after]).per_topic["LLM"] == (20, 10, 0)


def test_model_keeps_its_per_topic_cut_offs_and_applies_them() -> None:
    model = TopicModel.shipped()
    assert model is not None and model.topic_thresholds is not None
    assert len(model.cutoffs) == len(model.topics)
    assert np.all(model.cutoffs >= model.threshold)
    again = TopicModel.from_dict(model.to_dict())
    assert np.allclose(again.cutoffs, model.cutoffs)
    # the neighbour bank (int8 on disk) survives the round trip and holds the tune papers' labels
    assert model.bank is not None and model.bank_labels is not None and again.bank is not None
    assert model.bank.shape[0] == model.bank_labels.shape[0] == len(evaluate.load(split="tune"))
    assert np.allclose(again.bank, model.bank, atol=1e-6)
    assert np.array_equal(again.bank_labels, model.bank_labels)
    classifier = TopicClassifier(Taxonomy.load(), _NoEmbedder())
    probabilities = np.zeros(len(model.topics))
    probabilities[0] = 0.9
    probabilities[1] = 0.6
    cutoffs = np.full(len(model.topics), 0.3)
    assert classifier.choose(probabilities, cutoffs, 0.0) == [0, 1]
    cutoffs[1] = 0.65  # the second topic's own cut-off drops it
    assert classifier.choose(probabilities, cutoffs, 0.0) == [0]


def test_a_second_topic_needs_evidence_outside_the_abstract_when_the_taxonomy_says_so() -> None:
    shipped = Taxonomy.load()
    # round 5 turned the rule off (the neighbour vote does its work with less recall lost); it still works
    assert not TopicClassifier(shipped, _NoEmbedder()).settings.secondary_needs_head
    extra = {**shipped.extra, "classifier": {**shipped.extra["classifier"], "secondary_needs_head": True}}
    classifier = TopicClassifier(Taxonomy(shipped.topics, shipped.settings, extra=extra), _NoEmbedder())
    topics = len(classifier.taxonomy.names)
    probabilities = np.zeros(topics)
    probabilities[[0, 1, 2]] = [0.9, 0.8, 0.7]
    points = np.array([[4.0, 2.0, 2.0] + [0.0] * (topics - 3)], dtype=np.float32)
    abstract = np.array([[0.0, 2.0, 1.0] + [0.0] * (topics - 3)], dtype=np.float32)
    head = classifier.head_evidence(points, abstract)[0]
    assert head[:3].tolist() == [True, False, True]  # topic 1's points all come from the abstract
    assert classifier.choose(probabilities, 0.3, 0.0, head) == [0, 2]
    assert classifier.choose(probabilities, 0.3, 0.0) == [0, 1, 2]  # without head evidence: no rule
    only_abstract = np.zeros(topics, dtype=bool)
    assert classifier.choose(probabilities, 0.3, 0.0, only_abstract) == [0]  # the best topic stays
    off = TopicClassifier(shipped, _NoEmbedder())
    assert off.choose(probabilities, 0.3, 0.0, only_abstract) == [0, 1, 2]
