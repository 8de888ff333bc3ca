/**
 * The DynamoDB expression parser against the examples of AWS's own documentation, on its ProductCatalog item:
 * Developer Guide, "Condition and filter expressions, operators, and functions in DynamoDB"
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html) and
 * "Using update expressions in DynamoDB" (Expressions.UpdateExpressions.html). The workflows use a small part of the
 * grammar (SET, REMOVE, comparisons, attribute_exists / attribute_not_exists, AND, OR); the engine parses all of it so
 * that a workflow's expression AWS would refuse is refused offline too.
 */
import {
  applyUpdate,
  evaluateCondition,
  ExpressionContext,
  type Item,
  parseCondition,
  parseUpdate,
} from '../../../local/region/dynamodb-expressions';

/** The documentation's ProductCatalog item 123 (the attributes its examples read). */
const PRODUCT: Item = {
  Id: { N: '123' },
  Title: { S: 'Bicycle 123' },
  Brand: { S: 'Brand-Company C' },
  Price: { N: '500' },
  Color: { SS: ['Red', 'Black'] },
  ProductCategory: { S: 'Bicycle' },
  InStock: { BOOL: true },
  QuantityOnHand: { N: '3' },
  RelatedItems: { L: [{ N: '341' }, { N: '472' }, { N: '649' }] },
  Pictures: {
    M: {
      FrontView: { S: 'http://example.com/products/123_front.jpg' },
      RearView: { S: 'http://example.com/products/123_rear.jpg' },
      SideView: { S: 'http://example.com/products/123_left_side.jpg' },
    },
  },
  ProductReviews: {
    M: {
      FiveStar: {
        L: [{ S: 'Excellent! Can not recommend it highly enough!' }, { S: 'Do yourself a favor and buy this.' }],
      },
      OneStar: { L: [{ S: 'Terrible product! Do not buy this.' }] },
    },
  },
  VideoClip: { B: Buffer.alloc(70_000).toString('base64') },
};

describe('condition expressions: the documented function examples', () => {
  it.each([
    ['attribute_exists (#Pictures.#SideView)', { '#Pictures': 'Pictures', '#SideView': 'SideView' }, {}, true],
    ['attribute_not_exists (Manufacturer)', {}, {}, true],
    ['attribute_type (ProductReviews.FiveStar, :v_sub)', {}, { ':v_sub': { S: 'L' } }, true],
    ['begins_with (Pictures.FrontView, :v_sub)', {}, { ':v_sub': { S: 'http://' } }, true],
    ['contains (Brand, :v_sub)', {}, { ':v_sub': { S: 'Company' } }, true],
    ['contains (Color, :v_sub)', {}, { ':v_sub': { S: 'Red' } }, true],
    ['size (Brand) <= :v_sub', {}, { ':v_sub': { N: '20' } }, true],
    ['size(VideoClip) > :v_sub', {}, { ':v_sub': { N: '64000' } }, true],
    ['size (Color) < :v_sub', {}, { ':v_sub': { N: '3' } }, true],
    ['size(ProductReviews.OneStar) > :v_sub', {}, { ':v_sub': { N: '3' } }, false],
  ])('%s', (source, names, values, expected) => {
    // GIVEN the documentation's item; WHEN its example condition is evaluated; THEN it holds as documented
    const condition = parseCondition(source, 'ConditionExpression', new ExpressionContext(names, values));
    expect(evaluateCondition(condition, PRODUCT)).toBe(expected);
  });

  it.each([
    // "a OR b AND c" is "a OR (b AND c)": AND binds tighter than OR, NOT tighter than both
    ['Price > :big OR ProductCategory = :bike AND InStock = :yes', true],
    ['(Price > :big OR ProductCategory = :bike) AND InStock = :no', false],
    ['NOT Price > :big AND InStock = :yes', true],
    ['Price BETWEEN :low AND :big', true],
    ['ProductCategory IN (:car, :bike)', true],
  ])('%s (the documented precedence, BETWEEN and IN)', (source, expected) => {
    const values = {
      ':big': { N: '1000' },
      ':low': { N: '100' },
      ':bike': { S: 'Bicycle' },
      ':car': { S: 'Car' },
      ':yes': { BOOL: true },
      ':no': { BOOL: false },
    };
    const condition = parseCondition(source, 'ConditionExpression', new ExpressionContext({}, values));
    expect(evaluateCondition(condition, PRODUCT)).toBe(expected);
  });
});

describe('update expressions: the documented examples', () => {
  const update = (source: string, values: Record<string, unknown> = {}, names: Record<string, string> = {}) =>
    applyUpdate(parseUpdate(source, new ExpressionContext(names, values as never)), PRODUCT);

  it('SET Price = Price - :p decrements a number', () => {
    expect(update('SET Price = Price - :p', { ':p': { N: '15' } }).Price).toEqual({ N: '485' });
  });

  it('SET #pr.FiveStar = list_append(#pr.FiveStar, :r) appends to a nested list', () => {
    const out = update(
      'SET #pr.FiveStar = list_append(#pr.FiveStar, :r)',
      { ':r': { L: [{ S: 'Very happy' }] } },
      {
        '#pr': 'ProductReviews',
      },
    );
    expect((out.ProductReviews as { M: { FiveStar: { L: unknown[] } } }).M.FiveStar.L).toHaveLength(3);
  });

  it('SET Price = if_not_exists(Price, :p) keeps an existing value', () => {
    expect(update('SET Price = if_not_exists(Price, :p)', { ':p': { N: '100' } }).Price).toEqual({ N: '500' });
  });

  it('REMOVE Brand, InStock, QuantityOnHand and REMOVE RelatedItems[1], RelatedItems[2]', () => {
    const out = update('REMOVE Brand, InStock, QuantityOnHand');
    expect(out).not.toHaveProperty('Brand');
    expect(out).not.toHaveProperty('InStock');
    expect(out).not.toHaveProperty('QuantityOnHand');
    expect(update('REMOVE RelatedItems[1], RelatedItems[2]').RelatedItems).toEqual({ L: [{ N: '341' }] });
  });

  it('ADD QuantityOnHand :q adds to a number; ADD and DELETE on a string set', () => {
    expect(update('ADD QuantityOnHand :q', { ':q': { N: '5' } }).QuantityOnHand).toEqual({ N: '8' });
    expect(
      (update('ADD Color :c', { ':c': { SS: ['Orange', 'Purple'] } }).Color as { SS: string[] }).SS.sort(),
    ).toEqual(['Black', 'Orange', 'Purple', 'Red']);
    expect(update('DELETE Color :p', { ':p': { SS: ['Red'] } }).Color).toEqual({ SS: ['Black'] });
  });
});
