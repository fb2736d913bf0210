/**
 * The record lists of module settings (GRM's monitoringPoints, BRM's buildings):
 * valid records kept, every problem reported with where it is.
 */
import { expect, test } from 'vitest';
import { stringRecords } from '../../../core/grid/serving/settings-records.js';
import { parseBrmSettings } from '../../../actors/brm/settings.js';

const shape = { list: 'buildings', required: ['id', 'dataPoint'], optional: ['element', 'name'] } as const;

test('keeps the valid records and reports each problem with its place', () => {
  const problems: string[] = [];
  const records = stringRecords(
    [
      { id: 'b1', dataPoint: 'feeder1.building1.p', name: 'Building 1' },
      { id: 'b2', dataPoint: '' },
      { id: 'b1', dataPoint: 'other.p' },
      'b3',
      { id: 'b4', dataPoint: 'b4.p', colour: 'red', element: 7 },
    ],
    shape,
    problems,
  );
  expect(records).toEqual([
    { id: 'b1', dataPoint: 'feeder1.building1.p', name: 'Building 1' },
    { id: 'b4', dataPoint: 'b4.p' },
  ]);
  expect(problems).toEqual([
    '"buildings"[1].dataPoint must be a non-empty string',
    '"buildings"[2]: the id b1 is given twice',
    '"buildings"[3] must be an object { id, dataPoint, element?, name? }',
    '"buildings"[4]: unknown key "colour" (known: id, dataPoint, element, name)',
    '"buildings"[4].element must be a non-empty string',
  ]);
});

test('absent or null is an empty list; anything else that is not a list is a problem', () => {
  const problems: string[] = [];
  expect(stringRecords(undefined, shape, problems)).toEqual([]);
  expect(stringRecords(null, shape, problems)).toEqual([]);
  expect(stringRecords({ id: 'b1' }, shape, problems)).toEqual([]);
  expect(problems).toEqual(['"buildings" must be a list of { id, dataPoint, element?, name? }']);
});

test("BRM's settings refuse a bad building list with the place of the problem", () => {
  expect(() => parseBrmSettings({ buildings: [{ id: 'b1' }] })).toThrow(/"buildings"\[0\]\.dataPoint must be a non-empty string/);
});
