"""The offline MiniLM sentence embedder: batching (length-sorted) never changes a text's row."""

from __future__ import annotations

import numpy as np

from harness.metrics.support.embedder import cached_embeddings, embed_sentences

TEXTS = [
    "The council approved the budget on Tuesday after a long debate about schools, roads and libraries.",
    "Rain.",
    "Opposition members voted against it.",
    "",
    "A much longer sentence follows here, one that keeps going with clause after clause so that it is by far "
    "the longest text of the batch and pads every shorter one when they share a batch.",
    "Rain.",
]


def test_rows_come_back_in_the_order_given_and_equal_one_text_at_a_time() -> None:
    batched = embed_sentences(TEXTS, batch_size=2)
    alone = np.stack([embed_sentences([text])[0] for text in TEXTS])
    assert batched.shape == (len(TEXTS), alone.shape[1])
    np.testing.assert_allclose(batched, alone, atol=1e-5)
    assert np.allclose(batched[1], batched[5]) and not np.allclose(batched[0], batched[4])
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


def test_no_texts_give_no_rows() -> None:
    assert embed_sentences([]).shape == (0, embed_sentences(["x"]).shape[1])


def test_cached_rows_equal_the_uncached_ones_in_the_order_given() -> None:
    first = cached_embeddings(TEXTS)
    np.testing.assert_allclose(first, embed_sentences(TEXTS), atol=1e-6)
    again = cached_embeddings([TEXTS[4], TEXTS[0]])
    assert np.array_equal(again, first[[4, 0]])  # read back, not encoded again
    assert cached_embeddings([]).shape == (0, first.shape[1])
