import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Store methods whose first argument is a key. */
const STORE_METHODS = 'get|getMany|set|delete|incr|counter|nextId|claim|release|zadd|zrem|zscore|zrange|zcard|hincr|hincrMany|hgetall';
const INLINE_KEY = 'Build store keys with src/core/keys.ts (keys.*), never inline: one module names every key.';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'build/', 'adapters/playground/static/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'server/**/*.ts', 'adapters/**/*.ts', 'commands/**/*.ts'],
    ignores: ['src/state/**', 'src/core/keys.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: `CallExpression[callee.property.name=/^(${STORE_METHODS})$/][callee.object.name=/[sS]tore$/] > :matches(Literal, TemplateLiteral):first-child`,
          message: INLINE_KEY,
        },
        {
          selector: `CallExpression[callee.property.name=/^(${STORE_METHODS})$/][callee.object.property.name=/[sS]tore$/] > :matches(Literal, TemplateLiteral):first-child`,
          message: INLINE_KEY,
        },
        {
          selector: `CallExpression[callee.property.name=/^(${STORE_METHODS})$/][callee.object.name=/[sS]tore$/] > BinaryExpression:first-child[operator='+']`,
          message: INLINE_KEY,
        },
        { selector: "ObjectExpression:has(> Property[key.name='op']) > Property[key.name='key'] > :matches(Literal, TemplateLiteral, BinaryExpression[operator='+'])", message: INLINE_KEY },
        { selector: "Property[key.name=/^(once|expect)$/] > :matches(Literal, TemplateLiteral, BinaryExpression[operator='+'])", message: INLINE_KEY },
        { selector: "Property[key.name=/^(once|expect)$/] > LogicalExpression > :matches(TemplateLiteral, BinaryExpression[operator='+']).right", message: INLINE_KEY },
      ],
    },
  },
);
