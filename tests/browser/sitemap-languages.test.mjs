// Every page in English on a phone with JavaScript, and in Spanish without.
import { sitemapSuite, PHONE } from './sitemap.mjs';

sitemapSuite([
  { lang: 'en', size: PHONE, js: true },
  { lang: 'es', size: PHONE, js: false },
]);
