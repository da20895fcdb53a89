"""Tagging a corpus too large for one process: partitioned reading, the per-partition
tagging function, partitioned output, and the engines that run it (in this process, or on
a Dask cluster).

Every engine tags through ``spstories.core.tagging.build_tagger(...).tag_many(...)`` and
writes the same records as ``spstories tag`` (``records.tag_record``), so results are
identical whichever engine ran them. Importing this package loads neither Dask nor
pyarrow; ``engines.DaskEngine`` and Parquet reading import them when used.
"""
