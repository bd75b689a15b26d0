# The seed document's Python integration example, run against a live crmd. The class and the usage
# lines are copied unmodified from the document; only the base URL and API key come from the
# environment (CRMD_URL, CRMD_API_KEY). The checks after the usage block assert what the example relies
# on. Run by tests/api/seed_clients_test.cpp.
import os
import sys

import requests
import json

class EspoCRMClient:
    def __init__(self, url, api_key):
        self.url = url.rstrip('/')
        self.headers = {
            'X-Api-Key': api_key,
            'Content-Type': 'application/json'
        }
    
    def get_contacts(self, limit=20):
        response = requests.get(
            f"{self.url}/api/v1/Contact",
            headers=self.headers,
            params={'maxSize': limit}
        )
        return response.json()
    
    def create_lead(self, data):
        response = requests.post(
            f"{self.url}/api/v1/Lead",
            headers=self.headers,
            json=data
        )
        return response.json()
    
    def update_opportunity(self, opp_id, data):
        response = requests.put(
            f"{self.url}/api/v1/Opportunity/{opp_id}",
            headers=self.headers,
            json=data
        )
        return response.json()

# Usage
client = EspoCRMClient(os.environ['CRMD_URL'], os.environ['CRMD_API_KEY'])

# Get contacts
contacts = client.get_contacts(limit=50)

# Create lead
lead = client.create_lead({
    'firstName': 'New',
    'lastName': 'Lead',
    'emailAddress': 'lead@example.com'
})

# Checks: what a user of the example relies on.
def check(condition, message):
    if not condition:
        print('FAILED: ' + message, file=sys.stderr)
        sys.exit(1)

check(isinstance(contacts, dict) and 'list' in contacts and 'total' in contacts,
      'get_contacts returns {total, list}: %r' % (contacts,))
check(isinstance(lead, dict) and len(lead.get('id', '')) == 17, 'create_lead returns the lead with an id: %r' % (lead,))
check(lead.get('name') == 'New Lead' and lead.get('status') == 'New', 'lead fields: %r' % (lead,))
check(lead.get('emailAddress') == 'lead@example.com', 'lead email: %r' % (lead,))

# update_opportunity needs an opportunity; the example assumes one exists.
opportunity = requests.post(client.url + '/api/v1/Opportunity', headers=client.headers,
                            json={'name': 'Big Deal', 'amount': 50000, 'closeDate': '2024-12-31'}).json()
check('id' in opportunity, 'opportunity created: %r' % (opportunity,))
updated = client.update_opportunity(opportunity['id'], {'stage': 'Negotiation', 'description': 'Updated via API'})
check(updated.get('stage') == 'Negotiation' and updated.get('description') == 'Updated via API',
      'update_opportunity returns the updated record: %r' % (updated,))
check(updated.get('probability') == 80, 'probability follows the stage: %r' % (updated,))

after = client.get_contacts(limit=50)
check(after['total'] == contacts['total'], 'contacts unchanged by lead creation')
print(json.dumps({'lead': lead['id'], 'opportunity': opportunity['id']}))
