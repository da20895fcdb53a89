"""Inductive topics: BERTopic over the sentences or passages the codebook did (not) tag.

Pure: plain values in and out, no web or database. ``model`` imports BERTopic lazily, so
importing this package stays cheap.
"""
