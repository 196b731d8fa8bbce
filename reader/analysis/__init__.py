"""Analysis of the coded corpus: counts, co-occurrence, keyword in context, auto-coding, reports.

No Textual here: the command line and the reader's screens both draw what these modules return.
The layer sits above the domain (core, formats) and below the interfaces (ui, cli).
"""
