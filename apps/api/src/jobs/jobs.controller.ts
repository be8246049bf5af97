import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiZodBody, ZodValidationPipe } from '@platform/http';
import { JOB_CONTRACTS, PUBLIC_JOB_NAMES } from '@platform/queue';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { CurrentCaller, type Caller } from '../auth/caller';
import { createJobSchema, jobParamsSchema, type CreateJobBody } from './jobs.schemas';
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
  @ApiZodBody(createJobSchema)
  @ApiErrors(400, 401, 409, 413, 415, 429, 503)
  async create(
    @CurrentCaller() caller: Caller,
    @Body(new ZodValidationPipe(createJobSchema)) body: CreateJobBody,
  ) {
    const { id, status } = await this.jobs.create(caller, body);
    return { id, status };
  }

  @Get(':id')
  @ApiOperation({
    summary: "A job's state, progress, attempts, and result or failure reason (your jobs only)",
  })
  @ApiErrors(401, 404, 429, 503)
  get(
    @CurrentCaller() caller: Caller,
    @Param(new ZodValidationPipe(jobParamsSchema, 'params')) params: { id: string },
  ) {
    return this.jobs.find(caller, params.id);
  }
}
