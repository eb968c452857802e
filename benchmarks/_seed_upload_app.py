"""The seed document's upload handler, as written there: ``await file.read()`` then
``put_object(Body=bytes)``. The baseline of ``benchmarks/upload.py``; not used elsewhere."""

from __future__ import annotations

import os
import uuid

import boto3
from fastapi import FastAPI, File, Form, UploadFile

app = FastAPI()
client = boto3.client(
    "s3",
    endpoint_url=os.environ["S3_ENDPOINT_URL"],
    aws_access_key_id=os.environ["S3_ACCESS_KEY"],
    aws_secret_access_key=os.environ["S3_SECRET_KEY"],
    region_name=os.environ.get("S3_REGION", "us-east-1"),
)


@app.post("/api/v1/upload/audio")
async def upload_audio_handler(
    file: UploadFile = File(...),  # noqa: B008 - the seed's own signature
    token: str = Form(...),
    format: str = Form("mp3"),
):
    file_data = await file.read()
    file_key = f"dev/renders/{uuid.uuid4()}.{format}"
    client.put_object(
        Bucket=os.environ["S3_BUCKET_NAME"],
        Key=file_key,
        Body=file_data,
        ContentType="audio/mpeg",
        ACL="public-read",
    )
    return {"id": file_key, "size_bytes": len(file_data)}
