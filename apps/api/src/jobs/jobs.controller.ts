import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { ApiErrors, ApiZodBody, ApiZodParams, ApiZodResponse, ZodValidationPipe } from '@platform/http';
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

@ApiTags('jobs')
@Controller({ path: 'jobs', version: '1' })
@ApiKeyAuth()
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a job',
    description: `Job types:\n${JOB_TYPES_DOC}\n\nThe priority defaults to your tier's. A reused idempotencyKey returns the first job (409 if the request differs). 503 + Retry-After while the queue is over its high-water mark.`,
  })
  @ApiZodBody(createJobSchema, {
    example: { type: 'digest.compute', payload: { text: 'hello' }, idempotencyKey: 'digest-hello-1' },
  })
  @ApiZodResponse(202, createdJobSchema, {
    description: 'Durable and queued (or held in the outbox while Redis is down: status accepted)',
    example: { id: '4f0c3b8e-2a7d-4e91-b6c5-8d1f0a3e7b26', status: 'queued' },
  })
  @ApiErrors(409)
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
