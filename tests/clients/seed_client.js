// The seed document's Node.js integration example, run against a live crmd. The class and the usage
// block are copied unmodified from the document; only the base URL and API key come from the
// environment (CRMD_URL, CRMD_API_KEY), and the usage block's results are checked at the end.
// Run by tests/api/seed_clients_test.cpp.
const assert = require('assert');

const axios = require('axios');

class EspoCRMClient {
    constructor(url, apiKey) {
        this.url = url.replace(/\/$/, '');
        this.headers = {
            'X-Api-Key': apiKey,
            'Content-Type': 'application/json'
        };
    }
    
    async getAccounts(filters = {}) {
        const response = await axios.get(
            `${this.url}/api/v1/Account`,
            {
                headers: this.headers,
                params: filters
            }
        );
        return response.data;
    }
    
    async createContact(data) {
        const response = await axios.post(
            `${this.url}/api/v1/Contact`,
            data,
            { headers: this.headers }
        );
        return response.data;
    }
    
    async linkContactToAccount(contactId, accountId) {
        const response = await axios.post(
            `${this.url}/api/v1/Contact/${contactId}/account`,
            { id: accountId },
            { headers: this.headers }
        );
        return response.data;
    }
}

// Usage
const client = new EspoCRMClient(process.env.CRMD_URL, process.env.CRMD_API_KEY);

(async () => {
    // Get accounts
    const accounts = await client.getAccounts({ maxSize: 10 });
    
    // Create contact
    const contact = await client.createContact({
        firstName: 'John',
        lastName: 'Doe',
        emailAddress: 'john@example.com'
    });
    
    // Link to account
    if (accounts.list.length > 0) {
        await client.linkContactToAccount(contact.id, accounts.list[0].id);
    }

    // Checks: what a user of the example relies on.
    assert.ok(Array.isArray(accounts.list) && typeof accounts.total === 'number', 'getAccounts gives {total, list}');
    assert.strictEqual(contact.id.length, 17);
    assert.strictEqual(contact.name, 'John Doe');
    if (accounts.list.length > 0) {
        const linked = await axios.get(`${client.url}/api/v1/Contact/${contact.id}`, { headers: client.headers });
        assert.strictEqual(linked.data.accountId, accounts.list[0].id, 'the contact is linked to the account');
    }
    console.log(JSON.stringify({ contact: contact.id, accounts: accounts.total }));
})().catch((error) => {
    console.error('FAILED:', error.response ? [error.response.status, error.response.data] : error);
    process.exit(1);
});
