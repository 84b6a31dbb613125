"""Calls every RPC of a live entity-resolver with `buf curl` through server
reflection, the way a person tries the service by hand, and checks each answer.

    python3 .ci/buf_curl_checks.py path/to/buf http://127.0.0.1:PORT
"""

import json
import subprocess
import sys

SERVICE = "entityresolution.v1.EntityResolverService"


def curl(buf, url, method, data, expect_error=False):
    command = [buf, "curl", "--protocol", "grpc", "--http2-prior-knowledge", "--data", data, f"{url}/{method}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if expect_error:
        assert done.returncode != 0, f"{method}: succeeded, an error was expected: {done.stdout}"
        return json.loads(done.stderr)
    assert done.returncode == 0, f"{method}: exit {done.returncode}: {done.stderr}"
    return messages(done.stdout)


def messages(text):
    """buf curl prints one JSON object per response message."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        message, at = decoder.raw_decode(text, at)
        found.append(message)
    return found


def spans(response):
    return [(m["entityId"], m.get("start", 0), m["end"]) for m in response.get("mentions", [])]


def main():
    buf, url = sys.argv[1], sys.argv[2]
    reference = {"text": "ISKP and the TTP clashed near Torkham."}
    want = [("isis-k", 0, 4), ("ttp", 13, 16), ("torkham", 30, 37)]
    checks = []

    [resolve] = curl(buf, url, f"{SERVICE}/Resolve", json.dumps(reference))
    assert spans(resolve) == want, f"Resolve: {spans(resolve)}"
    assert resolve["tableVersion"], "Resolve: table version"
    checks.append("Resolve")

    batch = {"documents": [{"id": "1", **reference}, {"id": "2", "text": "Aslam Faruqi was seen in Kabul."}]}
    [answer] = curl(buf, url, f"{SERVICE}/ResolveBatch", json.dumps(batch))
    results = answer["results"]
    assert [r["id"] for r in results] == ["1", "2"], f"ResolveBatch ids: {results}"
    assert spans(results[0]) == want, f"ResolveBatch: {spans(results[0])}"
    assert [m["entityId"] for m in results[1]["mentions"]] == ["aslam-farooqi", "kabul"], results[1]
    checks.append("ResolveBatch")

    stream = " ".join(
        json.dumps({"document": document})
        for document in [
            {"id": "a", **reference},
            {"id": "b", "text": "TTP", "options": {"minScore": 3}},
            {"id": "c", "text": "Kabul"},
        ]
    )
    replies = curl(buf, url, f"{SERVICE}/ResolveStream", stream)
    assert [r["id"] for r in replies] == ["a", "b", "c"], f"ResolveStream order: {replies}"
    assert spans(replies[0]["result"]) == want, replies[0]
    assert replies[1]["error"]["code"] == 3 and "min_score" in replies[1]["error"]["message"], replies[1]
    assert spans(replies[2]["result"]) == [("kabul", 0, 5)], replies[2]
    checks.append("ResolveStream")

    [lookup] = curl(buf, url, f"{SERVICE}/Lookup", json.dumps({"name": "Tehreek-e-Taliban", "limit": 3}))
    assert lookup["candidates"][0]["entity"]["id"] == "ttp", lookup
    checks.append("Lookup")

    [entity] = curl(buf, url, f"{SERVICE}/GetEntity", json.dumps({"id": "isis-k"}))
    assert entity["entity"]["canonicalName"] == "Islamic State Khorasan Province", entity
    missing = curl(buf, url, f"{SERVICE}/GetEntity", json.dumps({"id": "nope"}), expect_error=True)
    assert missing["code"] == "not_found", missing
    checks.append("GetEntity")

    [page] = curl(buf, url, f"{SERVICE}/ListEntities", json.dumps({"pageSize": 2, "type": "ENTITY_TYPE_LOCATION"}))
    assert len(page["entities"]) == 2 and page["nextPageToken"], page
    [next_page] = curl(
        buf, url, f"{SERVICE}/ListEntities",
        json.dumps({"pageSize": 2, "type": "ENTITY_TYPE_LOCATION", "pageToken": page["nextPageToken"]}),
    )
    assert next_page["entities"][0]["id"] > page["entities"][1]["id"], (page, next_page)
    checks.append("ListEntities")

    [echo] = curl(buf, url, "entityresolution.v1.DiagnosticsService/Echo", json.dumps({"text": "Torkham"}))
    assert echo == {"text": "Torkham"}, echo
    checks.append("Echo")

    [health] = curl(buf, url, "grpc.health.v1.Health/Check", json.dumps({"service": SERVICE}))
    assert health["status"] == "SERVING", health
    checks.append("Health/Check")

    print("buf curl: ok (" + ", ".join(checks) + ")")


if __name__ == "__main__":
    main()
