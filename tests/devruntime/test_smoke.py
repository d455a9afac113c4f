"""The fixture works: a script job runs in its own process and its result comes back."""


def test_script_job_returns_its_result(dev_runtime):
    job_id = dev_runtime.run_script("f/devtest/echo", {"value": 42})
    assert dev_runtime.wait(job_id) == {"value": 42}
    job = dev_runtime.get_job(job_id)
    assert job["type"] == "CompletedJob" and job["success"] is True
    assert "echo 42" in job["logs"]
