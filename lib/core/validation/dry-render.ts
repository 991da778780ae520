/** The webhooks' dry render of Kind templates (`extraEnv[].value`, request-header values). */

import { renderTemplate, TemplateError } from '../template';

/**
 * What the webhook's `httpPathPrefix` returns while checking that templates render (docs/upstream-behavior.md §1.5).
 */
export const DUMMY_HTTP_PATH_PREFIX = 'DUMMY_HTTP_PATH_PREFIX';

/** Renders `raw` with the dummy prefix: the parse or execute error's message, or undefined when it renders. */
export function dryRenderError(raw: string): string | undefined {
  try {
    renderTemplate(raw, () => DUMMY_HTTP_PATH_PREFIX);
    return undefined;
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return e.message;
  }
}
