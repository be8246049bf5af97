import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', 'k6/**', '*.mjs', '*.mts'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
      // Configuration is read in one place (libs/config), validated, and injected everywhere else.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @platform/config.' },
      ],
      // Libraries never reach into apps; each lib is imported only through its public index.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@platform/*/*'], message: 'Import a lib through its index: @platform/<lib>.' },
            { group: ['**/libs/*/src/**', '../../libs/**'], message: 'Use the @platform/<lib> alias.' },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/apps/**'], message: 'Libraries never import apps.' },
            {
              regex: 'test/support(?!/libs$)(/.*)?$',
              message: "A lib's tests use test/support/libs: the rest of test/support starts the apps.",
            },
            { group: ['@platform/*/*'], message: 'Import a lib through its index: @platform/<lib>.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['libs/config/src/**/*.ts'], rules: { 'no-restricted-properties': 'off' } },
  prettier,
);
