"""Queries and ranking: query plans and syntax, retrieval, the rerank, highlights, suggestions, evaluation."""
