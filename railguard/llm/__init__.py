"""Layer 1 of the design: the model seam (any callable; SageMaker and Bedrock adapters that import
boto3 lazily). Nothing is imported here, so importing a submodule stays cheap."""
