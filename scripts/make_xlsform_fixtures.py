#!/usr/bin/env python3
"""Writes the XLSForm fixtures used by Tests/SurveyInstrumentsTests (XLSFormTests.swift).

Run from the package root:  python3 scripts/make_xlsform_fixtures.py
Needs openpyxl (pip install openpyxl). The generated .xlsx files are committed, so the Swift tests
need no Python. Output goes to Tests/SurveyInstrumentsTests/Fixtures/.

Fixtures
  household_form.xlsx  a KoboToolbox-style form: groups (with group relevance), select_one,
                       select_multiple, integer/decimal with range constraints, date, text, note,
                       calculate, choice_filter, label::Language columns, translatable and
                       untranslatable relevant expressions, numeric choice names and a settings
                       sheet. openpyxl writes every string inline (t="inlineStr"); the survey and
                       choices sheets are then rewritten to use shared strings (t="s", one of them
                       rich text) as Excel does, while settings keeps inline strings.
  repeat_form.xlsx     a form with a repeat group, which copro rejects (naming the row).
  household_export.csv a CSV export matching household_form.xlsx (Kobo "group/name" headers).
"""
import os
import re
import shutil
import tempfile
import zipfile

from openpyxl import Workbook

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SurveyInstrumentsTests", "Fixtures")

EN = "label::English (en)"
FR = "label::Français (fr)"


def sheet(wb, title, header, rows, first=False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(header)
    for r in rows:
        ws.append(r)
    return ws


def household_form(path):
    wb = Workbook()
    survey_header = ["type", "name", EN, FR, "hint", "relevant", "constraint", "required", "choice_filter", "calculation"]
    survey = [
        ["start", "start", None, None, None, None, None, None, None, None],
        ["end", "end", None, None, None, None, None, None, None, None],
        ["note", "intro", "Thank you for taking part.", "Merci de participer.", None, None, None, None, None, None],
        ["select_one yesno", "consent", "Do you agree to take part?", "Acceptez-vous de participer ?", None, None, None, "yes", None, None],
        ["begin_group", "household", "Your household", "Votre foyer", None, "${consent} = '1'", None, None, None, None],
        ["integer", "hh_size", "How many people live here?", "Combien de personnes vivent ici ?", None, None, ". >= 1 and . <= 20", "yes", None, None],
        ["integer", "children", "How many children under 16?", "Combien d'enfants de moins de 16 ans ?", None, None, ". >= 0", None, None, None],
        ["select_one yesno", "school_ok", "Do the children go to school regularly?", "Les enfants vont-ils régulièrement à l'école ?", None, "${children} > 0", None, None, None, None],
        ["end_group", None, None, None, None, None, None, None, None, None],
        ["select_one safety", "feel_safe", "How safe do you feel after dark?", "Vous sentez-vous en sécurité le soir ?", None, None, None, "yes", None, None],
        ["select_multiple services", "services_used", "Which services have you used?", "Quels services avez-vous utilisés ?", None, None, None, None, None, None],
        ["text", "services_other", "Which other service?", "Quel autre service ?", None, "selected(${services_used}, 'other')", None, None, None, None],
        ["decimal", "energy_bill", "Annual energy bill (£)", "Facture d'énergie annuelle (£)", None, None, ". >= 0", None, None, None],
        ["date", "moved_in", "When did you move in?", "Quand avez-vous emménagé ?", None, None, ". <= today()", None, None, None],
        ["select_one region", "area", "Area", "Zone", None, None, None, None, None, None],
        ["select_one zone", "zone", "Zone", "Secteur", None, None, None, None, "region=${area}", None],
        ["calculate", "bill_per_person", None, None, None, None, None, None, None, "${energy_bill} div ${hh_size}"],
        ["text", "safe_reason", "Why do you feel unsafe?", "Pourquoi ?", None, "${feel_safe} = '1' or ${feel_safe} = '2'", None, None, None, None],
        ["integer", "gp_visits", "GP visits in the last year", "Visites chez le médecin", None, "${hh_size} != ''", None, None, None, None],
        ["text", "comments", "Anything else?", "Autre chose ?", None, "string-length(${safe_reason}) > 0", None, None, None, None],
    ]
    sheet(wb, "survey", survey_header, survey, first=True)
    choices = [
        ["yesno", 1, "Yes", "Oui", None],
        ["yesno", 0, "No", "Non", None],
        ["safety", 1, "Very unsafe", "Très peu sûr", None],
        ["safety", 2, "Fairly unsafe", "Plutôt peu sûr", None],
        ["safety", 3, "Neither", "Ni l'un ni l'autre", None],
        ["safety", 4, "Fairly safe", "Plutôt sûr", None],
        ["safety", 5, "Very safe", "Très sûr", None],
        ["services", "repairs", "Repairs", "Réparations", None],
        ["services", "watch", "Crime watch", "Surveillance", None],
        ["services", "cafe", "Internet café", "Café internet", None],
        ["services", "other", "Other", "Autre", None],
        ["region", "north", "North", "Nord", None],
        ["region", "south", "South", "Sud", None],
        ["zone", "n1", "North 1", "Nord 1", "north"],
        ["zone", "n2", "North 2", "Nord 2", "north"],
        ["zone", "s1", "South 1", "Sud 1", "south"],
    ]
    sheet(wb, "choices", ["list_name", "name", EN, FR, "region"], choices)
    sheet(wb, "settings", ["form_title", "form_id", "version", "default_language"],
          [["Beacon household (XLSForm)", "beacon_xls", 2024031501, "English (en)"]])
    wb.save(path)
    # survey and choices as shared strings (one of them rich text); settings keeps inline strings.
    shared_strings(path, ["survey", "choices"], rich={"How many people live here?": ["How many people ", "live here?"]})


def sheet_part(parts, sheet_name):
    workbook = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rid = re.search(r'<sheet[^>]*name="%s"[^>]*r:id="([^"]+)"' % sheet_name, workbook).group(1)
    for rel in re.findall(r"<Relationship[^>]*/>", rels):
        if 'Id="%s"' % rid in rel:
            target = re.search(r'Target="([^"]+)"', rel).group(1)
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise KeyError(sheet_name)


def shared_strings(path, sheet_names, rich=None):
    """Moves the string cells of some sheets into xl/sharedStrings.xml (t="s"), as Excel writes them.

    openpyxl writes every string inline (t="inlineStr"); sheets not listed keep inline strings.
    `rich` maps a string to the runs it is stored as (rich text: several <r><t> runs).
    """
    rich = rich or {}
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        parts = {n: z.read(n) for n in names}
    table, index = [], {}

    def repl(m):
        attrs, text = m.group(1), m.group(2)
        if text not in index:
            index[text] = len(table)
            table.append(text)
        return '<c%s><v>%d</v></c>' % (attrs.replace(' t="inlineStr"', ' t="s"'), index[text])

    for name in sheet_names:
        part = sheet_part(parts, name)
        xml = parts[part].decode()
        new = re.sub(r'<c([^>]*t="inlineStr"[^>]*)><is><t>(.*?)</t></is></c>', repl, xml, flags=re.S)
        assert new != xml, "no inline strings in sheet " + name
        parts[part] = new.encode()

    def si(text):
        runs = rich.get(text)
        if runs:
            return "<si>" + "".join('<r><rPr><b/></rPr><t xml:space="preserve">%s</t></r>' % r for r in runs) + "</si>"
        return '<si><t xml:space="preserve">%s</t></si>' % text

    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>'
        % (len(table), len(table), "".join(si(t) for t in table))).encode()
    if "xl/sharedStrings.xml" not in names:
        names.append("xl/sharedStrings.xml")
    ct = parts["[Content_Types].xml"].decode()
    if "sharedStrings" not in ct:
        ct = ct.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType='
                        '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        parts["[Content_Types].xml"] = ct.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    if "sharedStrings" not in rels:
        rels = rels.replace("</Relationships>", '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/'
                            '2006/relationships/sharedStrings" Target="sharedStrings.xml" Id="rIdSharedStrings"/></Relationships>')
        parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    tmp = tempfile.mktemp(suffix=".xlsx")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))   # fixed time: reproducible bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, parts[name])
    shutil.move(tmp, path)


def repeat_form(path):
    wb = Workbook()
    sheet(wb, "survey", ["type", "name", "label"], [
        ["text", "household_name", "Household name"],
        ["begin_repeat", "members", "Household members"],
        ["text", "member_name", "Name"],
        ["end_repeat", None, None],
    ], first=True)
    sheet(wb, "choices", ["list_name", "name", "label"], [])
    wb.save(path)


EXPORT = """start,end,consent,household/hh_size,household/children,household/school_ok,feel_safe,services_used,services_other,energy_bill,moved_in,area,zone,bill_per_person,safe_reason,gp_visits,comments
2024-03-01T10:00:00.000+00:00,2024-03-01T10:12:00.000+00:00,1,3,1,1,4,repairs watch,,1200.50,2019-04-03,north,n1,400.17,,2,
2024-03-01T11:00:00.000+00:00,2024-03-01T11:09:00.000+00:00,1,2,0,,2,cafe other,Food bank,800,2020-01-31,south,s1,400,Poor lighting,5,Lights broken
2024-03-02T09:30:00.000+00:00,2024-03-02T09:41:00.000+00:00,1,25,2,0,5,,,abc,2018-13-01,north,n2,,,,
2024-03-02T10:15:00.000+00:00,2024-03-02T10:30:00.000+00:00,1,4,2,2,1,bogus,,950,2021-06-15,north,s1,237.5,Dark,3,
2024-03-03T14:00:00.000+00:00,2024-03-03T14:01:00.000+00:00,0,,,,3,,,,,,,,,,
"""


def main():
    os.makedirs(OUT, exist_ok=True)
    household_form(os.path.join(OUT, "household_form.xlsx"))
    repeat_form(os.path.join(OUT, "repeat_form.xlsx"))
    with open(os.path.join(OUT, "household_export.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(EXPORT)
    print("wrote household_form.xlsx, repeat_form.xlsx, household_export.csv to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
