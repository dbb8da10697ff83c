#!/usr/bin/env python3
"""Writes the ReadStat test fixtures with a real writer (pyreadstat, which uses ReadStat's writers).

    pip install pyreadstat pandas
    python3 scripts/make_readstat_fixtures.py

Outputs go to Tests/SurveyIngestTests/Fixtures/readstat/ and are committed, so the tests need no
Python. pyreadstat cannot write .sas7bdat, so no SAS fixture is generated (docs/readstat.md).
"""
import datetime as dt
import os

import pandas as pd
import pyreadstat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "SurveyIngestTests", "Fixtures", "readstat")
os.makedirs(OUT, exist_ok=True)

LONG = "Très long commentaire — " + "x" * 300 + " fin"


def labelled_frame():
    return pd.DataFrame({
        "id": [1.0, 2.0, 3.0, 4.0],
        "sex": [1.0, 2.0, 2.0, None],
        "q1": [5.0, -99.0, 3.0, -98.0],
        "income": [1250.5, 950.0, 0.1, 999.0],
        "visit": [dt.date(2024, 2, 29), dt.date(1960, 1, 1), dt.date(1582, 10, 15), None],
        "stamp": [dt.datetime(2024, 2, 29, 13, 45, 30), dt.datetime(1999, 12, 31, 23, 59, 59),
                  dt.datetime(1970, 1, 1, 0, 0, 0), None],
        "name": ["Zoë", "東京", "plain", ""],
        "comment": [LONG, "short", "", "€ sign"],
    })


VARIABLE_LABELS = {
    "id": "Respondent id", "sex": "Sex of respondent", "q1": "Satisfaction (1–5)",
    "income": "Monthly income (£)", "visit": "Date of visit", "stamp": "Interview start",
    "name": "Name (non-ASCII)", "comment": "Long comment",
}
VALUE_LABELS = {
    "sex": {1: "Male", 2: "Female"},
    "q1": {1: "Very dissatisfied", 5: "Very satisfied", -98: "Don't know", -99: "Refused"},
}


def spss():
    df = labelled_frame()
    common = dict(column_labels=VARIABLE_LABELS, variable_value_labels=VALUE_LABELS,
                  file_label="copro ReadStat fixture")
    missing = {"q1": [-99, -98], "income": [{"lo": 900, "hi": 999}]}
    pyreadstat.write_sav(df, os.path.join(OUT, "labels.sav"), missing_ranges=missing, **common)
    pyreadstat.write_sav(df, os.path.join(OUT, "labels.zsav"), compress=True, missing_ranges=missing, **common)
    pyreadstat.write_por(df.drop(columns=["comment", "name"]), os.path.join(OUT, "labels.por"),
                         column_labels={k: v for k, v in VARIABLE_LABELS.items() if k not in ("comment", "name") and "£" not in v and "–" not in v},
                         file_label="copro ReadStat fixture")


def stata():
    df = labelled_frame()
    # Stata extended missing values: the letter in a numeric column, declared in missing_user_values.
    df["q1"] = pd.Series([5.0, "a", 3.0, "b"], dtype=object)
    labels = dict(VALUE_LABELS)
    labels["q1"] = {1: "Very dissatisfied", 5: "Very satisfied", "a": "Refused", "b": "Don't know"}
    pyreadstat.write_dta(df, os.path.join(OUT, "labels.dta"), column_labels=VARIABLE_LABELS,
                         variable_value_labels=labels, missing_user_values={"q1": ["a", "b"]},
                         file_label="copro ReadStat fixture", version=15)


def beacon():
    src = os.path.join(ROOT, "SampleData", "beacon", "before.csv")
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    text = {"hh_id", "zone", "block"}
    for c in df.columns:
        if c not in text:
            df[c] = pd.to_numeric(df[c])
    pyreadstat.write_sav(df, os.path.join(OUT, "beacon-before.sav"))
    pyreadstat.write_dta(df, os.path.join(OUT, "beacon-before.dta"), version=15)


def truncated():
    with open(os.path.join(OUT, "labels.sav"), "rb") as f:
        data = f.read()
    with open(os.path.join(OUT, "truncated.sav"), "wb") as f:
        f.write(data[: len(data) // 3])
    with open(os.path.join(OUT, "not-stata.dta"), "wb") as f:
        f.write(b"this is not a Stata file\n")


if __name__ == "__main__":
    spss(); stata(); beacon(); truncated()
    print("wrote", sorted(os.listdir(OUT)))
