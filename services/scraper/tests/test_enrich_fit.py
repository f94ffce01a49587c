"""The topic model's fitting (``portfolio_scraper.enrich.fit``) and the shipped ``topic_model.json``."""

from __future__ import annotations

import numpy as np

from portfolio_scraper.enrich import evaluate, fit
from portfolio_scraper.enrich.classifier import FEATURES, TopicModel
from portfolio_scraper.enrich.topics import Taxonomy


def test_leave_one_out_centroid_excludes_the_paper_itself() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    labels = np.array([[1.0], [1.0], [0.0]])
    loo = fit.leave_one_out(vectors, labels)
    assert np.allclose(loo[0, 0], [0.0, 1.0])  # paper 0's centroid is paper 1 alone
    assert np.allclose(loo[1, 0], [1.0, 0.0])
    assert np.allclose(loo[2, 0], [2**-0.5, 2**-0.5])  # an unlabelled paper sees every labelled one
    assert np.allclose(fit.centroids(vectors, labels)[0], [2**-0.5, 2**-0.5])


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
