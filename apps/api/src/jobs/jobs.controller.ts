import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import {
  ApiErrorResponse,
  ApiErrors,
  ApiZodBody,
  ApiZodParams,
  ApiZodResponse,
  ZodValidationPipe,
} from '@platform/http';
import { JOB_CONTRACTS, PUBLIC_JOB_NAMES } from '@platform/queue';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { CurrentCaller, type Caller } from '../auth/caller';
import {
  createdJobSchema,
  createJobSchema,
  jobParamsSchema,
  jobStatusSchema,
  type CreateJobBody,
  type JobStatusView,
} from './jobs.schemas';
import { JobsService } from './jobs.service';

const JOB_TYPES_DOC = PUBLIC_JOB_NAMES.map((n) => `- \`${n}\`: ${JOB_CONTRACTS[n].description}`).join('\n');

// Routes (full paths, for grep): POST /v1/jobs, GET /v1/jobs/:id
@ApiTags('jobs')
@Controller({ path: 'jobs', version: '1' })
@ApiKeyAuth()
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a job',
    description: `Job types:\n${JOB_TYPES_DOC}\n\nThe priority defaults to your tier's, and may not be more urgent than it (403). A reused idempotencyKey returns the first job (409 if the request differs). Each job type has a byte cap (413). At most a configured number of your jobs may be queued or delayed at once (429 too_many_pending_jobs + Retry-After). 503 + Retry-After while the queue is over its high-water mark or Redis is nearly full.`,
  })
  @ApiZodBody(createJobSchema, {
    example: { type: 'digest.compute', payload: { text: 'hello' }, idempotencyKey: 'digest-hello-1' },
  })
  @ApiZodResponse(202, createdJobSchema, {
    description: 'Durable and queued (or held in the outbox while Redis is down: status accepted)',
    example: { id: '4f0c3b8e-2a7d-4e91-b6c5-8d1f0a3e7b26', status: 'queued' },
  })
  @ApiErrors(409)
  @ApiErrorResponse(
    403,
    "A priority above your tier's default (priority_not_allowed), or a job type disabled here (job_type_disabled)",
    {
      error: 'priority_not_allowed',
      message: 'Tier free may ask for priority normal or low, not critical',
    },
  )
  @ApiErrorResponse(413, "The body is over the limit, or the job over its type's byte cap (job_too_large)", {
    error: 'job_too_large',
    message:
      'A digest.compute job may take at most 32768 bytes as JSON (with the jobs it creates); this one takes 96034',
  })
  @ApiErrorResponse(
    429,
    'Rate limited, or too many of your jobs queued or delayed (too_many_pending_jobs); Retry-After',
    {
      error: 'too_many_pending_jobs',
      message: 'At most 1000 jobs may be queued or delayed at once; retry once some have finished',
    },
  )
  @ApiErrorResponse(
    503,
    'The queue is over its high-water mark (queue_overloaded), Redis is nearly full (redis_memory_high), or a dependency is down; Retry-After',
    {
      error: 'queue_overloaded',
      message: 'The jobs queue is full; retry in 4 s',
    },
  )
  async create(
    @CurrentCaller() caller: Caller,
    @Body(new ZodValidationPipe(createJobSchema)) body: CreateJobBody,
  ): Promise<z.infer<typeof createdJobSchema>> {
    const { id, status } = await this.jobs.create(caller, body);
    return { id, status };
  }

  @Get(':id')
  @ApiOperation({
    summary: "A job's state, progress, attempts, and result or failure reason (your jobs only)",
  })
  @ApiZodParams(jobParamsSchema)
  @ApiZodResponse(200, jobStatusSchema, {
    description: "The job's state",
    example: {
      id: '4f0c3b8e-2a7d-4e91-b6c5-8d1f0a3e7b26',
      type: 'digest.compute',
      status: 'completed',
      priority: 'normal',
      progress: 100,
      attempts: { made: 1, max: 3 },
      result: {
        algorithm: 'sha256',
        digest: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
      },
      createdAt: '2026-12-02T05:00:00.000Z',
      startedAt: '2026-12-02T05:00:00.020Z',
      finishedAt: '2026-12-02T05:00:00.031Z',
    },
  })
  @ApiErrors(400, 404)
  get(
    @CurrentCaller() caller: Caller,
    @Param(new ZodValidationPipe(jobParamsSchema, 'params')) params: { id: string },
  ): Promise<JobStatusView> {
    return this.jobs.find(caller, params.id);
  }
}
