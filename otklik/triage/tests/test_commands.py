import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from .fixtures import rows, write_csv


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_triage_evaluate_prints_json_without_any_database_rows(tmp_path):
    train = write_csv(tmp_path / "train.csv.gz", rows(12), gz=True)
    test = write_csv(tmp_path / "test.csv", rows(4, offset=20))
    result = json.loads(
        run(
            "triage_evaluate",
            "--train",
            train,
            "--test",
            test,
            "--text-column",
            "text",
            "--label-column",
            "org",
            "--location-column",
            "district",
            "--json",
        )
    )
    assert result["n_train"] == 36 and result["n_test"] == 12
    assert result["accuracy"] >= 0.9
    assert {"top3_accuracy", "macro_f1"} <= result.keys()


def test_triage_evaluate_takes_date_and_source_columns_chooses_c_by_cv_and_reports_per_class(tmp_path):
    import csv

    def write(path, data, start_day):
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["text", "org", "district", "date", "source"])
            w.writeheader()
            for i, r in enumerate(reversed(data)):  # out of order on purpose: the date orders them
                day = start_day + (len(data) - i) // 10
                w.writerow({**r, "date": f"2021-{1 + day // 28:02d}-{1 + day % 28:02d}", "source": f"club{i % 3}"})
        return path

    train = write(tmp_path / "train.csv", rows(40), 0)
    test = write(tmp_path / "test.csv", rows(4, offset=50), 20)
    args = ["--train", train, "--test", test, "--text-column", "text", "--label-column", "org"]
    args += ["--date-column", "date", "--source-column", "source", "--half-life-days", "30", "--per-class"]
    result = json.loads(run("triage_evaluate", *args, "--json"))
    assert result["accuracy"] >= 0.9
    grid = {"0.05", "0.1", "0.25", "0.5"}
    assert set(result["cv_accuracy"]) == {f"words C={c}" for c in grid} | {f"+chars C={c}" for c in grid}
    assert isinstance(result["char_ngrams"], bool)
    assert result["c"] in (0.05, 0.1, 0.25, 0.5)
    assert set(result["recall"]) == {"Дороги", "ЖКХ", "Водоканал"}
    assert {"label", "others_sent_there", "its_own_sent_elsewhere"} <= result["catch_all"].keys()
    text = run("triage_evaluate", *args)
    assert "Регуляризация C" in text and "полнота" in text


def test_triage_evaluate_names_a_missing_column(tmp_path):
    train = write_csv(tmp_path / "train.csv", rows(3))
    with pytest.raises(CommandError, match="нет столбцов: label"):
        run("triage_evaluate", "--train", train, "--test", train, "--text-column", "text", "--label-column", "label")


def test_triage_run_prints_one_json_line_per_row_in_order(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        'text\nСпасибо!\n"Третий день нет воды, когда дадут?"\nТы дебил\n""\n',
        encoding="utf-8",
    )
    lines = [json.loads(line) for line in run("triage_run", path, "--text-column", "text").splitlines()]
    assert len(lines) == 4
    assert lines[0]["relevant"] is False
    assert lines[1]["relevant"] is True and lines[1]["significant"] is True
    assert lines[1]["significance_reasons"] == ["нет воды"]
    assert lines[2]["abuse"]["categories"] == ["insult"]
    assert lines[2]["abuse"]["evidence"][0]["text"] == "дебил"
    assert lines[3] == {
        "relevant": False,
        "relevance": 0.0,
        "topic": None,
        "abuse": None,
        "significant": False,
        "significance_reasons": [],
        "suggestions": [],
    }
    assert all(line["suggestions"] == [] for line in lines)
