// Every page in Italian on a desktop, with JavaScript and without.
import { sitemapSuite, DESKTOP } from './sitemap.mjs';

sitemapSuite([
  { lang: 'it', size: DESKTOP, js: true },
  { lang: 'it', size: DESKTOP, js: false },
]);
