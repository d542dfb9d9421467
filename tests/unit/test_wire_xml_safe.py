"""The hardened parser of Salesforce SOAP answers (the Metadata API deploy): DTDs and entities refused."""

from __future__ import annotations

import pytest

from sfintacct_desktop.wire.salesforce.metadata import parse_deploy_result
from sfintacct_desktop.wire.xml_safe import UnsafeXmlError, parse_untrusted

MD = "http://soap.sforce.com/2006/04/metadata"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', "HOSTILE_XML"),
        (b'<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>', "HOSTILE_XML"),
        (b"<r><unclosed></r>", "BAD_XML"),
        (b"", "BAD_XML"),
    ],
)
def test_hostile_or_broken_answers_are_refused_unread(body, code):
    with pytest.raises(UnsafeXmlError) as caught:
        parse_untrusted(body, "the Metadata API's answer")
    assert caught.value.code == code
    assert "the Metadata API's answer" in str(caught.value)


def test_a_deploy_result_is_read_with_its_components():
    body = f"""<result xmlns="{MD}"><checkOnly>true</checkOnly><details>
      <componentFailures><changed>false</changed><componentType>CustomField</componentType><created>false</created>
        <fileName>objects/X__c.object</fileName><fullName>X__c.Y__c</fullName><problem>bad</problem>
        <problemType>Error</problemType><success>false</success></componentFailures>
      <componentSuccesses><changed>false</changed><componentType>CustomObject</componentType><created>true</created>
        <fileName>objects/X__c.object</fileName><fullName>X__c</fullName><success>true</success></componentSuccesses>
      </details><done>true</done><id>0Af000000000001AAA</id><numberComponentErrors>1</numberComponentErrors>
      <numberComponentsDeployed>0</numberComponentsDeployed><numberComponentsTotal>2</numberComponentsTotal>
      <rollbackOnError>true</rollbackOnError><status>Failed</status><success>false</success></result>""".encode()
    result = parse_deploy_result(parse_untrusted(body, "answer"))
    assert (result.status, result.done, result.check_only, result.errors, result.total) == ("Failed", True, True, 1, 2)
    assert [(f.full_name, f.problem, f.success) for f in result.failures] == [("X__c.Y__c", "bad", False)]
    assert [(s.full_name, s.created) for s in result.successes] == [("X__c", True)]
