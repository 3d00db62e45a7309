import type { Readable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { ArchiveMissingError, type ArchiveStore, digesting, type StoredArchive } from "./archive.storage.js";

/**
 * Archives as objects in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Garage…). An archive is sent
 * as a multipart upload of PART_BYTES parts, a few in flight, so memory stays flat whatever its size;
 * the object appears under its key only when the upload completes, and a failed upload is aborted. An
 * upload cut short by a killed process is aborted when its key is deleted (a production discarded after
 * a crash is), and a bucket lifecycle rule (AbortIncompleteMultipartUpload) catches any other.
 */

export interface S3ArchiveSettings {
  bucket: string;
  /** Prepended to every key, e.g. `custodian/productions/`. */
  prefix: string;
  /** For a store other than AWS: `http://127.0.0.1:9000`. Path-style addressing is used with it. */
  endpoint: string | undefined;
  region: string;
  /** From CUSTODIAN_S3_ACCESS_KEY_ID/_SECRET_ACCESS_KEY; without them, the SDK's own chain (role, profile). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
}

const PART_BYTES = 16 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

export class S3ArchiveStore implements ArchiveStore {
  readonly location: string;
  private readonly client: S3Client;

  constructor(private readonly settings: S3ArchiveSettings) {
    this.location = `s3://${settings.bucket}/${settings.prefix}`;
    this.client = new S3Client({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
      // The archive carries its own SHA-256 check (archive.storage.ts) and each chunk its GCM tag; the
      // SDK's default trailing checksums are not understood by every S3-compatible server.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  private key(key: string): string {
    return `${this.settings.prefix}${key}`;
  }

  async put(key: string, body: Readable): Promise<StoredArchive> {
    const digest = digesting(body);
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.settings.bucket,
        Key: this.key(key),
        Body: digest.through[0] ?? body,
        ContentType: "application/octet-stream",
      },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    const flowing = digest.through.length > 0 ? pipeline([body, ...digest.through]) : finished(body);
    await Promise.all([flowing, upload.done()]).catch(async (error: unknown) => {
      await upload.abort().catch(() => {});
      throw error;
    });
    return digest.result();
  }

  async get(key: string): Promise<Readable> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key(key) }));
      return answer.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new ArchiveMissingError(`archive ${key} is missing from ${this.location}`);
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.key(key) }));
      return head.ContentLength;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const full = this.key(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: full }));
    const open = await this.client
      .send(new ListMultipartUploadsCommand({ Bucket: this.settings.bucket, Prefix: full }))
      .catch(() => undefined); // Not every S3-compatible server lists uploads; the lifecycle rule remains.
    for (const upload of open?.Uploads ?? []) {
      if (upload.Key !== full || !upload.UploadId) continue;
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.settings.bucket, Key: full, UploadId: upload.UploadId }),
      );
    }
  }

  close(): void {
    this.client.destroy();
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
}
