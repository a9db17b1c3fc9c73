// Drives the portal with Opendatasoft's own client (@opendatasoft/api-client, installed by
// `make install` into .cache/node): the queries of its README (Get started, Usage, Query
// builder), on the portal at argv[2]. Prints one JSON object: each query's answer or error.
const path = require('path');
const clientDir = path.join(process.argv[4], 'node_modules', '@opendatasoft', 'api-client');
const { ApiClient, fromCatalog, field, string, date, all, one, not, list, textSearch } = require(clientDir);

const domain = process.argv[2];
const apiKey = process.argv[3] || undefined;
const client = new ApiClient({ domain, apiKey, hideDeprecatedWarning: true });
const anonymous = new ApiClient({ domain, hideDeprecatedWarning: true });

async function answer(c, query) {
    try {
        return { ok: await c.get(query) };
    } catch (e) {
        return { error: e.constructor.name, status: e.response && e.response.status, details: e.details };
    }
}

(async () => {
    const out = {};
    // README, "Get started"
    out.getStarted = await answer(anonymous, fromCatalog().dataset('villes').records()
        .where("country_code:'FR'").groupBy('name as city, population').orderBy('-population')
        .limit(10).toString());
    // README, ApiClient: a catalogue page by URL
    out.catalog = await answer(anonymous, 'catalog/datasets?limit=10');
    out.catalogSelect = await answer(anonymous, fromCatalog().datasets().select('dataset_id, records_count'));
    out.dataset = await answer(anonymous, fromCatalog().dataset('villes').itself());
    out.aggregate = await answer(anonymous, fromCatalog().dataset('villes').records()
        .select(list('count(*) as n', 'avg(population) as avg_population', 'max(population)'))
        .groupBy('country_code').orderBy('count(*) desc, country_code'));
    out.helpers = await answer(anonymous, fromCatalog().dataset('villes').records()
        .where(all(`${field('country_code')}:${string('FR')}`, one('population > 400000', `${field('name')}:${string("L'Haÿ-les-Roses")}`)))
        .where((c) => all(c, not('population < 100')))
        .where((c) => `${c} AND ${field('modified')} >= ${date({ year: 2020, month: 1 })}`)
        .select('name, population').orderBy('population desc').limit(5));
    out.refine = await answer(anonymous, fromCatalog().dataset('villes').records()
        .refine('country_code:FR').exclude('name:Paris').select('name').orderBy('name').limit(100));
    out.search = await answer(anonymous, fromCatalog().dataset('villes').records()
        .where(textSearch('mont', ['name'])).select('name').orderBy('name'));
    out.byYear = await answer(anonymous, fromCatalog().dataset('villes').records()
        .select('count(*) as n').groupBy('year(modified) as year').orderBy('year'));
    out.page = await answer(anonymous, fromCatalog().dataset('villes').records()
        .select('name').orderBy('population desc').limit(2).offset(1));
    out.badSyntax = await answer(anonymous, fromCatalog().dataset('villes').records().where('population >'));
    out.unknownField = await answer(anonymous, fromCatalog().dataset('villes').records().where('nope = 1'));
    out.injection = await answer(anonymous, fromCatalog().dataset('villes').records()
        .where("name = 'x'; DROP TABLE villes; --"));
    out.injectionOrder = await answer(anonymous, fromCatalog().dataset('villes').records()
        .orderBy('population; SELECT pg_sleep(10)'));
    out.absurdLimit = await answer(anonymous, fromCatalog().dataset('villes').records().limit(1000000));
    out.privateAnonymous = await answer(anonymous, fromCatalog().dataset('prive').records());
    out.privateWithKey = await answer(client, fromCatalog().dataset('prive').records());
    console.log(JSON.stringify(out));
})();
