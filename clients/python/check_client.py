"""Checks a running entity-resolver from Python, the way a pipeline uses it:
Resolve, ResolveBatch and a long ResolveStream, plus the lookup RPCs and the
error codes. Exits non-zero on the first wrong answer.

    python clients/python/check_client.py --target 127.0.0.1:50051 [--stream-documents 100000]
"""

import argparse
import sys
import time

import grpc

from entity_resolver_client import connect, pb, resolve_many

REFERENCE = "ISKP and the TTP clashed near Torkham."
# Texts with non-ASCII before the mentions: Python indices are char offsets.
TEXTS = [
    REFERENCE,
    "Zabihullah Mujahid, the Taliban spokesman, denied it; Mujahid said ISKP lied.",
    "طالبان نے کابل میں اجلاس کیا۔ Kabul was calm, and Tehreek-e-Labbaik Pakistan marched in Lahore.",
    "🇵🇰 Farooqi met officials in Peshawar — the ISI declined to comment.",
    "Nothing here names anyone.",
]


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def expect_error(call, code, needle, name):
    try:
        call()
    except grpc.RpcError as error:
        expect(error.code() == code, f"{name}: got {error.code()} ({error.details()}), want {code}")
        expect(needle in error.details(), f"{name}: {error.details()!r} does not name {needle!r}")
        return
    raise CheckFailed(f"{name}: succeeded, want {code}")


def spans(response):
    return [(m.entity_id, m.start, m.end) for m in response.mentions]


def check_resolve(stub):
    response = stub.Resolve(pb.ResolveRequest(id="ref", text=REFERENCE))
    expect(response.id == "ref", f"id not echoed: {response.id!r}")
    expect(
        spans(response) == [("isis-k", 0, 4), ("ttp", 13, 16), ("torkham", 30, 37)],
        f"Resolve spans: {spans(response)}",
    )
    expect(response.mentions[0].match_kind == pb.MATCH_KIND_ACRONYM, "ISKP is an acronym match")
    expect(response.mentions[2].type == pb.ENTITY_TYPE_LOCATION, "Torkham is a location")
    expect(response.table_version != "", "table_version is set")
    for text in TEXTS:
        response = stub.Resolve(pb.ResolveRequest(text=text))
        for mention in response.mentions:
            sliced = text[mention.char_start : mention.char_end]
            expect(sliced == mention.text, f"char offsets of {mention.text!r} slice to {sliced!r}")
            utf16 = text.encode("utf-16-le")[2 * mention.utf16_start : 2 * mention.utf16_end]
            expect(utf16.decode("utf-16-le") == mention.text, f"UTF-16 offsets of {mention.text!r}")
            utf8 = text.encode("utf-8")[mention.start : mention.end]
            expect(utf8.decode("utf-8") == mention.text, f"byte offsets of {mention.text!r}")
    lahore = stub.Resolve(pb.ResolveRequest(text=TEXTS[2]))
    expect("tehreek-e-labbaik-pakistan" in [m.entity_id for m in lahore.mentions], f"TLP found: {spans(lahore)}")
    expect("ttp" not in [m.entity_id for m in lahore.mentions], "TLP is not the TTP")

    by_id = stub.Resolve(
        pb.ResolveRequest(
            text=REFERENCE,
            options=pb.ResolveOptions(normalized_text_mode=pb.NORMALIZED_TEXT_MODE_ENTITY_ID),
        )
    )
    expect(by_id.normalized_text == "isis-k and the ttp clashed near torkham.", repr(by_id.normalized_text))
    omitted = stub.Resolve(
        pb.ResolveRequest(text=REFERENCE, options=pb.ResolveOptions(normalized_text_mode=pb.NORMALIZED_TEXT_MODE_OMIT))
    )
    expect(not omitted.HasField("normalized_text"), "OMIT leaves normalized_text unset")
    persons = stub.Resolve(
        pb.ResolveRequest(text=TEXTS[1], options=pb.ResolveOptions(entity_types=[pb.ENTITY_TYPE_PERSON]))
    )
    expect({m.type for m in persons.mentions} == {pb.ENTITY_TYPE_PERSON}, "type filter")

    expect_error(
        lambda: stub.Resolve(pb.ResolveRequest(text="TTP", options=pb.ResolveOptions(min_score=2.0))),
        grpc.StatusCode.INVALID_ARGUMENT,
        "options.min_score",
        "min_score 2.0",
    )
    print("Resolve: ok")


def check_batch(stub):
    documents = [pb.ResolveRequest(id=f"b-{i}", text=TEXTS[i % len(TEXTS)]) for i in range(50)]
    results = stub.ResolveBatch(pb.ResolveBatchRequest(documents=documents)).results
    expect(len(results) == 50, f"{len(results)} batch results for 50 documents")
    singles = [stub.Resolve(pb.ResolveRequest(text=text)) for text in TEXTS]
    for i, result in enumerate(results):
        expect(result.id == f"b-{i}", f"batch result {i} has id {result.id!r}")
        expect(spans(result) == spans(singles[i % len(TEXTS)]), f"batch result {i} differs from Resolve")
    expect_error(
        lambda: stub.ResolveBatch(
            pb.ResolveBatchRequest(documents=[pb.ResolveRequest(text="x")] * 1001)
        ),
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "1000",
        "1001 documents",
    )
    print("ResolveBatch: ok")


def check_stream(stub, count):
    singles = [spans(stub.Resolve(pb.ResolveRequest(text=text))) for text in TEXTS]
    oversized = "Kabul " * (1 << 18)  # 1.5 MB: over the server's default 1 MiB per document
    refused = {count // 3, (2 * count) // 3}

    def documents():
        for i in range(count):
            yield str(i), oversized if i in refused else TEXTS[i % len(TEXTS)]

    started = time.monotonic()
    received = 0
    for i, response in enumerate(resolve_many(stub, documents())):
        expect(response.id == str(i), f"stream response {i} has id {response.id!r}: out of order")
        if i in refused:
            expect(response.WhichOneof("outcome") == "error", f"document {i} over the limit was not refused")
            expect(
                response.error.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0],
                f"document {i}: code {response.error.code}",
            )
        else:
            expect(response.WhichOneof("outcome") == "result", f"document {i}: {response.error.message}")
            expect(
                spans(response.result) == singles[i % len(TEXTS)],
                f"stream document {i} differs from Resolve",
            )
        received += 1
    seconds = time.monotonic() - started
    expect(received == count, f"{received} stream responses for {count} documents")
    print(f"ResolveStream: ok, {count} documents in order in {seconds:.1f} s ({count / seconds:.0f} documents/s)")


def check_entities(stub):
    entity = stub.GetEntity(pb.GetEntityRequest(id="ttp")).entity
    expect(entity.canonical_name == "Tehrik-i-Taliban Pakistan", entity.canonical_name)
    expect_error(
        lambda: stub.GetEntity(pb.GetEntityRequest(id="no-such-entity")),
        grpc.StatusCode.NOT_FOUND,
        "no-such-entity",
        "unknown id",
    )
    candidates = stub.Lookup(pb.LookupRequest(name="Faruqi", limit=3)).candidates
    expect(candidates and candidates[0].entity.id == "aslam-farooqi", f"Lookup Faruqi: {candidates}")
    page = stub.ListEntities(pb.ListEntitiesRequest(page_size=5, type=pb.ENTITY_TYPE_PERSON))
    expect(len(page.entities) == 5 and page.next_page_token, "ListEntities pages")
    expect(all(e.type == pb.ENTITY_TYPE_PERSON for e in page.entities), "ListEntities filters by type")
    print("Lookup, GetEntity, ListEntities: ok")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="127.0.0.1:50051")
    parser.add_argument("--stream-documents", type=int, default=100_000)
    args = parser.parse_args()
    stub = connect(args.target)
    try:
        check_resolve(stub)
        check_batch(stub)
        check_entities(stub)
        check_stream(stub, args.stream_documents)
    except CheckFailed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    except grpc.RpcError as error:
        print(f"FAILED: {error.code()}: {error.details()}", file=sys.stderr)
        return 1
    print("python client: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
