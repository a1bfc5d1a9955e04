"""Training the pre-annotator (`curation train`): reviewed datasets and public corpora -> MODEL_DIR.

data.py reads the training data; sentences.py (CLAIM, HEDGE: logistic regression)
and spans.py (SOURCE: CRF) select by grouped cross-validation, calibrate and fit;
card.py writes and checks `model.json`; build.py puts it together. The model is
used through `curation.preannotate.model` (`--preannotator model:DIR`).
"""
