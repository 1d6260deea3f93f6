"""junit.py - JUnit XML, the report format CI systems (GitLab, Jenkins, GitHub actions with a
reporter) show per test (pure: results in, XML text out)."""
import xml.etree.ElementTree as ET
from dataclasses import dataclass

# characters XML 1.0 cannot carry at all, even escaped (console output may hold them)
_BAD = {c: None for c in list(range(0, 9)) + [11, 12] + list(range(14, 32))}


@dataclass
class Result:
    name: str
    classname: str
    seconds: float
    outcome: str               # "passed", "failed" (an assertion), "error" (anything else)
    message: str = ""          # one line: what failed
    details: str = ""          # the rest: traceback, console tail
    output: str = ""           # what the test printed


def _clean(text):
    return text.translate(_BAD)


def junit_xml(suite, results):
    """a <testsuites> document with one <testsuite> named `suite` holding `results`"""
    failed = sum(r.outcome == "failed" for r in results)
    errors = sum(r.outcome == "error" for r in results)
    total = sum(r.seconds for r in results)
    root = ET.Element("testsuites", tests=str(len(results)), failures=str(failed),
                      errors=str(errors), time=f"{total:.3f}")
    ts = ET.SubElement(root, "testsuite", name=suite, tests=str(len(results)),
                       failures=str(failed), errors=str(errors), skipped="0", time=f"{total:.3f}")
    for r in results:
        tc = ET.SubElement(ts, "testcase", name=r.name, classname=r.classname,
                           time=f"{r.seconds:.3f}")
        if r.outcome in ("failed", "error"):
            el = ET.SubElement(tc, "failure" if r.outcome == "failed" else "error",
                               message=_clean(r.message), type=r.outcome)
            el.text = _clean(r.details)
        if r.output:
            ET.SubElement(tc, "system-out").text = _clean(r.output)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
