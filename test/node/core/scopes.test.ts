import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkScope } from '../../../core/src/index.ts';

describe('checkScope', () => {
  it('splits on any whitespace and keeps the order', () => {
    assert.deepEqual(checkScope('  ACCOUNT_BASIC\tTRANSACTIONS \n').scopes, [
      'ACCOUNT_BASIC',
      'TRANSACTIONS',
    ]);
  });

  it('names the clusters Flinks does not know', () => {
    assert.deepEqual(checkScope('ACCOUNT_BASIC EVERYTHING accounts').unknown, ['EVERYTHING', 'accounts']);
    assert.deepEqual(checkScope('ACCOUNT_BASIC STATEMENTS').unknown, []);
  });

  it('says whether ACCOUNT_BASIC, which Flinks requires, is there', () => {
    assert.equal(checkScope('TRANSACTIONS').hasAccountBasic, false);
    assert.equal(checkScope('TRANSACTIONS ACCOUNT_BASIC').hasAccountBasic, true);
    assert.equal(checkScope('').hasAccountBasic, false);
  });
});
