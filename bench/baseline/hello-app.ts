import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The baseline of the scenarios: a bare Nest + Fastify app with one hello route, nothing else.
 * `node hello-app.js <port> [bodyBytes]`: with bodyBytes the JSON body is padded to exactly that many
 * bytes, the size of the cached response the scenario reads, so the ratio compares the platform's work
 * and not the bytes on the wire.
 */
const EMPTY = { hello: 'world', pad: '' };

export function helloBody(bodyBytes: number): typeof EMPTY {
  const padding = Math.max(0, bodyBytes - JSON.stringify(EMPTY).length);
  return { hello: 'world', pad: 'x'.repeat(padding) };
}

function makeController(body: typeof EMPTY) {
  @Controller()
  class HelloController {
    @Get('hello')
    hello() {
      return body;
    }
  }
  return HelloController;
}

async function main(): Promise<void> {
  const bodyBytes = Number(process.argv[3] ?? 0);
  @Module({ controllers: [makeController(helloBody(bodyBytes))] })
  class HelloModule {}
  const app = await NestFactory.create<NestFastifyApplication>(HelloModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
}

if (require.main === module) void main();
