"""Passing a SageMaker Python SDK ``Endpoint`` object instead of a name.

The adapter never imports the SDK: it reads ``endpoint_name``, the session and region the object
was fetched with, and builds the runtime client with the SDK's own factory. The stand-in below has
exactly that surface of ``sagemaker.core.resources.Endpoint`` (sagemaker-core 2.27); the last test
runs the real class when the optional extra is installed.
"""
from __future__ import annotations

import boto3
import pytest

from railguard import Message
from railguard.llm.sagemaker import SageMakerEndpoint

HI = [Message("user", "Hi")]


class FakeSDKEndpoint:
    """The attributes of ``sagemaker.core.resources.Endpoint`` the adapter relies on."""

    factory_calls: list = []

    def __init__(self, endpoint_name: str, session=None, region=None):
        self.endpoint_name = endpoint_name
        self._session = session
        self._region = region

    @classmethod
    def get_sagemaker_client(cls, session=None, region_name=None, service_name="sagemaker"):
        cls.factory_calls.append((session, region_name, service_name))
        return session.client(service_name, region_name=region_name)


def test_sdk_endpoint_uses_its_session_region_and_client_factory(sm, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", sm.endpoint_url)
    sm.endpoint("llm-ep", components={"main": lambda inv: "from the SDK endpoint"})
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    FakeSDKEndpoint.factory_calls = []
    model = SageMakerEndpoint(FakeSDKEndpoint("llm-ep", session, "eu-west-1"), inference_component="main")
    assert model.endpoint_name == "llm-ep" and model.name == "sagemaker:llm-ep/main"
    assert model.generate(HI) == "from the SDK endpoint"
    assert "".join(model.stream(HI)) == "from the SDK endpoint"  # streaming goes through boto3 too
    assert FakeSDKEndpoint.factory_calls == [(session, "eu-west-1", "sagemaker-runtime")]
    assert model.client.meta.region_name == "eu-west-1"
    assert [i.component for i in sm.invocations()] == ["main", "main"]


def test_explicit_settings_win_over_the_sdk_client(sm):
    sm.endpoint("llm-ep", lambda inv: "explicit")
    FakeSDKEndpoint.factory_calls = []
    model = SageMakerEndpoint(FakeSDKEndpoint("llm-ep", None, "eu-west-1"), endpoint_url=sm.endpoint_url)
    assert model.generate(HI) == "explicit"
    assert FakeSDKEndpoint.factory_calls == []
    assert model.client.meta.region_name == "eu-west-1"  # the object's region is still used


def test_objects_without_an_endpoint_name_are_refused():
    with pytest.raises(TypeError, match="expected an endpoint name or a sagemaker Endpoint object, got int"):
        SageMakerEndpoint(42)


def test_real_sdk_endpoint_object(sm, monkeypatch):
    resources = pytest.importorskip("sagemaker.core.resources",
                                    reason="the optional extra railguard[sagemaker] is not installed")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", sm.endpoint_url)
    sm.endpoint("llm-ep", components={"main": lambda inv: "real SDK object"})
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name="us-east-1")
    endpoint = resources.Endpoint(endpoint_name="llm-ep")._set_client_context(session=session, region="us-east-1")
    model = SageMakerEndpoint(endpoint, inference_component="main")
    assert model.generate(HI) == "real SDK object"
    assert "".join(model.stream(HI)) == "real SDK object"
