// The scenario schema's ajv validator. When the sources run it is compiled here, at start-up (about
// half a second); the build (scripts/build.mjs) puts ajv's standalone code for the same schema and options
// in this module's place, so the prebuilt CLI and its workers compile nothing.
import { Ajv, type ValidateFunction } from 'ajv';
import { AJV_OPTIONS, ScenarioSchema } from './schema.js';

export const validateScenarioSchema: ValidateFunction = new Ajv(AJV_OPTIONS).compile(ScenarioSchema);
