import json


def test_the_buckets_made_at_import_are_there_in_every_test(legacy, s3):
    worker = legacy.load("worker")

    assert worker.BUCKET in s3.buckets() and worker.ARCHIVE_BUCKET in s3.buckets()
    assert s3.keys(worker.BUCKET) == []


def test_an_upload_becomes_a_report_and_its_raw_file_is_archived(legacy, s3):
    worker = legacy.load("worker")
    s3.put(worker.BUCKET, "inbox/2026-12-01.csv", "meter,kwh\nM1,2.5\nM2,\nM1,1.25\nM3,-4\n")

    legacy.threads.run(max_iterations=1)

    assert s3.keys(worker.BUCKET) == ["reports/2026-12-01.json"]
    report = json.loads(s3.get(worker.BUCKET, "reports/2026-12-01.json"))
    assert report == {"totals": {"M1": 3.75}, "skipped": 2}
    assert s3.get(worker.ARCHIVE_BUCKET, "raw/2026-12-01.csv").startswith(b"meter,kwh\nM1,2.5")
    assert worker.PROCESSED == ["2026-12-01"]


def test_each_test_starts_from_the_state_right_after_import(legacy, s3):
    worker = legacy.load("worker")

    worker.run_once()

    assert worker.PROCESSED == []
    assert s3.keys(worker.ARCHIVE_BUCKET) == []
