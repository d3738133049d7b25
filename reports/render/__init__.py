"""Renders what `interpbench report` hands over (docs/json-schema.md, "The report view") into a
report a person reads: model.py (the runs), plot_frame.py, plots.py, crossover.py and
applications.py (the eight plots), sections.py, html.py and markdown.py (the documents). Every
label, unit and figure comes from C++ in the view; nothing here formats one."""
