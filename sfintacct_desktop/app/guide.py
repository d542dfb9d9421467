"""The in-app "Getting started" guide: a new company from connect to live sync, in the window's words.

Why here and not in docs/: the window must never tell its user to type a command, so the guide it
shows names only tabs, buttons and menus (a test checks that each one it names in bold exists in the
window); the README walks the same road with both the window and the command line.
"""

from __future__ import annotations

import re

GUIDE_TITLE = "Getting started"

GUIDE = """\
# Getting started

sfintacct keeps Salesforce and Sage Intacct in step: customers and products both ways, each Closed Won
opportunity turned into exactly one Intacct sales order, and invoices and payments shown back on the
Account. A new company goes through four steps, once.

## 1. Try it on the sandbox (optional)

On the welcome page, **Try the sandbox** starts two local stand-ins for Salesforce and Intacct with a
demo company, so every step below can be tried without touching real data. The status bar always says
Sandbox or Production.

## 2. Connect your systems

On the **Connections** tab, **Add profile…** opens the profile editor.

- *Salesforce*: sign in with your browser (the default); an administrator first creates the org's
  External Client App, as the Salesforce setup notes describe. Only a refresh token is kept, in your
  operating system's keyring.
- *Intacct*: the Web Services sender ID and password, the company ID and a Web Services user. The
  passwords go to the keyring, never to a file.

**Test** signs in to both systems before anything is saved, then **Save**.

## 3. Prepare both systems

After the test, the profile's setup checklist names every field the product needs and does not find.

- *Salesforce*: **Deploy to Salesforce** checks the product's custom fields, objects and permission
  sets against your org first (nothing changes), shows the result, and deploys them only after you
  confirm. Assign the integration permission set to the integration user and the read-only one to sales
  users.
- *Intacct*: Intacct offers no way for a program to create custom fields. The checklist lists each
  one to create by hand (object, name, type); **Test connection** checks again.

## 4. Baseline: match what both systems already hold

Both systems usually hold the same customers and products under slightly different names. On the
**Baseline** tab, **Plan** reads both sides, cleans and de-duplicates them, and proposes one action per
record: link to its partner, create on the other side, or leave alone. Review the proposals (change
any of them), then **Apply accepted actions…**:
you see what will be written where and confirm with **Apply to both systems**; you can stop it at any time; a stopped
load resumes where it stopped. Historical orders are not copied: only deals closed from now on become
sales orders.

## 5. Live sync

On the **Sync** tab, **Sync now** runs a cycle at once; the sync then runs on its own schedule.

- The badge says whether all is well: up to date, syncing, needs attention, failing, paused.
- **Error inbox**: records a system refused, with what to do; retry them once fixed.
- **Conflicts**: fields changed in both systems; choose which value wins.
- **Pause** and **Resume** stop and restart the schedule; closing the window can leave the sync
  running in the tray.

## Every day

- **Invoices**: a customer's invoices and payments, found as you type the name.
- **Customers**: one customer's Salesforce Account and Intacct customer side by side, its deals,
  orders, invoices, payments, balance and aging.
- **Pipeline**: open opportunities by stage and close month, for finance's cash forecast.

Nothing is ever deleted: a record deleted in one system is marked inactive or deleted in the other.
"""

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def named_controls(text: str = GUIDE) -> list[str]:
    """Every tab, button or menu item the guide names in bold, in order, without repeats."""
    seen: list[str] = []
    for name in _BOLD.findall(text):
        if name not in seen:
            seen.append(name)
    return seen
