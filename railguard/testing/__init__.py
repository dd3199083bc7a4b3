"""Testing kit: local servers that speak AWS wire protocols, for offline tests of guarded apps.

- :class:`~railguard.testing.server.LocalAWSServer`: the threaded HTTP plumbing (routes,
  request recording, fault injection, streamed bodies) and ``server.client(service)``
  giving real boto3 clients pointed at it.
- :mod:`railguard.testing.eventstream`: AWS event-stream framing with correct CRCs.
- :class:`railguard.testing.bedrock.BedrockServer`: a local Amazon Bedrock (ApplyGuardrail with
  scripted or spec-computed answers, Converse, ConverseStream, InvokeModel, the control-plane
  guardrail calls), with quotas, throttling, 5xx and access faults; ``check_shape`` checks a
  dict against botocore's shape for an operation.

Service servers build on these (Bedrock, SageMaker, OpenAI-compatible completions).
Nothing here needs AWS credentials or the network.
"""

from .server import Fault, LocalAWSServer, Request, Response, aws_error

__all__ = ["LocalAWSServer", "Request", "Response", "Fault", "aws_error"]
