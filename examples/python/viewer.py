"""What a local app does with the callvault daemon: status, a list page by page, a search, events,
and a purge with its receipt. Python 3, standard library only.

    python3 examples/python/viewer.py [--search WORDS] [--purge ACCOUNT_KEY]

It finds the daemon as the daemon does (CALLVAULT_HOME, else the platform's runtime folder).
"""

import argparse
import sys

from callvault_client import CallvaultError, Client, daemon_endpoint


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--search", help="words to look for")
    parser.add_argument("--purge", metavar="ACCOUNT_KEY", help="delete this account's local data")
    parser.add_argument("--page-size", type=int, default=5)
    args = parser.parse_args()

    with Client.connect(*daemon_endpoint()) as client:
        status = client.call("status")
        now = status["serverTime"]  # the daemon's trusted clock: leases are decided by it
        print(f"daemon {status['daemonVersion']}, protocol {client.daemon['protocol']}, {len(status['accounts'])} account(s)")
        for account in status["accounts"]:
            left = account["leaseTimeLeftMs"]
            lease = "no data held" if left is None else f"data expires in {left / 3_600_000:.1f} h" + (" (warning)" if account["leaseWarning"] else "")
            print(f"account {account['accountKey']}: {account['state']}, {account['counts']['meetings']} meetings, {lease}")

        # A list, two pages: the second continues where the first ended.
        pages = client.pages("meetings.list", {"limit": args.page_size})
        first = next(pages)
        second = next(pages, {"items": []})
        print(f"page 1: {len(first['items'])} meetings, page 2: {len(second['items'])} meetings")
        seen = {m["uuid"] for m in first["items"]}
        if any(m["uuid"] in seen for m in second["items"]):
            sys.exit("page 2 repeats page 1")
        for meeting in first["items"][:3]:
            print(f"  {(now - meeting['startTime']) // 86_400_000} days ago  {meeting['topic'][:48]}")

        if args.search:
            hits = [hit for page in client.pages("search", {"q": args.search, "limit": 20}) for hit in page["hits"]]
            print(f"search '{args.search}': {len(hits)} hits")

        if args.purge:
            print("subscribed:", ",".join(client.subscribe(["data.wiped"])))
            receipt = client.call("purge", {"account": args.purge, "confirm": True})["receiptIds"][0]
            print(f"purged {args.purge}: receipt {receipt}")
            topic, event = client.next_event()
            while topic != "data.wiped":
                topic, event = client.next_event()
            print(f"event {topic} {event['accountKey']} {event['receiptId']}")
            try:
                client.call("meetings.list", {"account": args.purge})
                sys.exit("the wiped account was still served")
            except CallvaultError as error:
                print(f"after the purge: {error.code}")
            again = client.call("purge", {"account": args.purge, "confirm": True})["receiptIds"][0]
            print(f"purge again: {'same receipt' if again == receipt else 'ANOTHER receipt ' + again}")


if __name__ == "__main__":
    main()
